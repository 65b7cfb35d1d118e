package devtools

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/jose"
)

// KeyAlgs are the algorithms NewKey makes keys for: the asymmetric ones
// the server accepts for statements, signed bodies and private_key_jwt.
var KeyAlgs = []string{"PS256", "ES256", "EdDSA", "RS256"}

// Key is a private signing key with the kid and the one alg it signs.
type Key struct {
	Kid, Alg string
	Private  crypto.Signer
}

// NewKey makes a key for alg named kid.
func NewKey(alg, kid string) (Key, error) {
	if !slices.Contains(KeyAlgs, alg) {
		return Key{}, fmt.Errorf("cannot make a key for %q; use one of %v", alg, KeyAlgs)
	}
	if kid == "" {
		return Key{}, fmt.Errorf("a key needs a kid")
	}
	priv, err := jose.NewPrivateKey(alg)
	if err != nil {
		return Key{}, err
	}
	return Key{Kid: kid, Alg: alg, Private: priv}, nil
}

// PrivateJWK renders the key as one private JWK object with kid, alg and
// use "sig". It holds the private key: whoever has it can sign as you.
func (k Key) PrivateJWK() ([]byte, error) {
	j, err := jwk.Import(k.Private)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{jwk.KeyIDKey: k.Kid, jwk.AlgorithmKey: k.Alg, jwk.KeyUsageKey: "sig"} {
		if err := j.Set(name, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(j)
}

// PublicJWKS renders the public half as a JWK Set of one key, the form a
// directory publishes and a client registers as jwks.
func (k Key) PublicJWKS() ([]byte, error) {
	pub, err := jose.PublicJWK(k.Private.Public(), k.Kid, k.Alg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string][]json.RawMessage{"keys": {pub}})
}

// Signer signs with the key (see jose.Signer).
func (k Key) Signer() (*jose.Signer, error) { return jose.NewSigner(k.Kid, k.Alg, k.Private) }

// ParseKey reads a private JWK as PrivateJWK writes it. kid is required,
// since the server finds the key by it; alg may be left out of an EC or
// Ed25519 key, whose type names it, but not of an RSA key, which could
// sign RS256 or PS256.
func ParseKey(doc []byte) (Key, error) {
	j, err := jwk.ParseKey(doc)
	if err != nil {
		var set struct {
			Keys json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(doc, &set) == nil && set.Keys != nil {
			return Key{}, errors.New("a JWK Set, not a private JWK: give the file keygen --out wrote (--jwks wrote the public JWK Set)")
		}
		return Key{}, fmt.Errorf("not a JWK: %w", err)
	}
	var raw any
	if err := jwk.Export(j, &raw); err != nil {
		return Key{}, fmt.Errorf("JWK: %w", err)
	}
	priv, ok := raw.(crypto.Signer)
	if !ok {
		return Key{}, fmt.Errorf("the JWK holds no private key (a %T); give the file keygen --out wrote", raw)
	}
	k := Key{Private: priv}
	if k.Kid, _ = j.KeyID(); k.Kid == "" {
		return Key{}, fmt.Errorf("the JWK has no kid")
	}
	if alg, ok := j.Algorithm(); ok {
		k.Alg = alg.String()
	} else if k.Alg = algOfKeyType(priv); k.Alg == "" {
		return Key{}, fmt.Errorf("the JWK has no alg, and a %T could sign with several", priv)
	}
	if _, err := k.Signer(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// algOfKeyType is the one alg a key's type allows, "" when it allows
// several.
func algOfKeyType(priv crypto.Signer) string {
	switch p := priv.(type) {
	case *ecdsa.PrivateKey:
		if p.Curve == elliptic.P256() {
			return "ES256"
		}
	case ed25519.PrivateKey:
		return "EdDSA"
	}
	return ""
}
