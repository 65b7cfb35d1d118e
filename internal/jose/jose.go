package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// sigAlg maps our algorithm names to jwx's; only these three are ever used.
func sigAlg(name string) (jwa.SignatureAlgorithm, error) {
	switch name {
	case "ES256":
		return jwa.ES256(), nil
	case "RS256":
		return jwa.RS256(), nil
	case "PS256":
		return jwa.PS256(), nil
	}
	return jwa.SignatureAlgorithm{}, fmt.Errorf("unsupported signing algorithm %q", name)
}

// NewPrivateKey makes a signing key for alg: ES256 a P-256 key, RS256 and
// PS256 an RSA 2048 key (the minimum FAPI allows). One key serves one
// algorithm (RFC 8725 §3.1).
func NewPrivateKey(alg string) (crypto.Signer, error) {
	if _, err := sigAlg(alg); err != nil {
		return nil, err
	}
	if alg == "ES256" {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

// PublicJWK renders a public key as a JWK with kid, alg and use "sig"
// (RFC 7517 §4).
func PublicJWK(pub crypto.PublicKey, kid, alg string) ([]byte, error) {
	a, err := sigAlg(alg)
	if err != nil {
		return nil, err
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
