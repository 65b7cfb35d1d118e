package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// NewPrivateKey makes a signing key for alg: ES256 a P-256 key, RS256 and
// PS256 an RSA 2048 key (the minimum FAPI allows), EdDSA an Ed25519 key.
// One key serves one algorithm (RFC 8725 §3.1).
func NewPrivateKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256", "PS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("cannot make a key for %q; use ES256, RS256, PS256 or EdDSA", alg)
}

// PublicJWK renders a public key as a JWK with kid, alg and use "sig"
// (RFC 7517 §4).
func PublicJWK(pub crypto.PublicKey, kid, alg string) ([]byte, error) {
	a, err := sigAlg(alg)
	if err != nil {
		return nil, err
	}
	if !keyFits(alg, pub) {
		return nil, fmt.Errorf("a %T cannot verify %s", pub, alg)
	}
	k, err := jwk.Import(pub)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: a, jwk.KeyUsageKey: "sig"} {
		if err := k.Set(name, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(k)
}
