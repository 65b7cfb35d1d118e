package jose

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwa"
)

// algorithm is what we know of one JWS algorithm: jwx's name for it and
// which public keys can verify it.
type algorithm struct {
	jwa jwa.SignatureAlgorithm
	// fits reports whether pub is a key of the type and size alg needs;
	// nil for HMAC, whose key is a shared secret, never a public key.
	fits func(pub any) bool
}

// algorithms are the JWS algorithms any verifier here can be configured
// for (RFC 7518 §3.1, RFC 8037 §3.1). Each caller narrows them with its
// own allow-list; "none" is never among them.
var algorithms = map[string]algorithm{
	"ES256": {jwa.ES256(), ecCurve(elliptic.P256())},
	"ES384": {jwa.ES384(), ecCurve(elliptic.P384())},
	"ES512": {jwa.ES512(), ecCurve(elliptic.P521())},
	"RS256": {jwa.RS256(), isRSA},
	"RS384": {jwa.RS384(), isRSA},
	"RS512": {jwa.RS512(), isRSA},
	"PS256": {jwa.PS256(), isRSA},
	"PS384": {jwa.PS384(), isRSA},
	"PS512": {jwa.PS512(), isRSA},
	"EdDSA": {jwa.EdDSA(), isEd25519},
	"HS256": {jwa.HS256(), nil},
	"HS384": {jwa.HS384(), nil},
	"HS512": {jwa.HS512(), nil},
}

// sigAlg maps an algorithm name to jwx's.
func sigAlg(name string) (jwa.SignatureAlgorithm, error) {
	a, ok := algorithms[name]
	if !ok {
		return jwa.SignatureAlgorithm{}, fmt.Errorf("unsupported signing algorithm %q", name)
	}
	return a.jwa, nil
}

// IsHMAC reports whether alg is keyed with a shared secret (HS256/384/512).
func IsHMAC(alg string) bool {
	a, ok := algorithms[alg]
	return ok && a.fits == nil
}

// keyFits reports whether pub can verify alg: a P-256 key ES256 and no
// other, an RSA key RS* and PS*, an Ed25519 key EdDSA. An HMAC alg fits no
// public key, so a public key can never be used as an HMAC secret.
func keyFits(alg string, pub any) bool {
	a, ok := algorithms[alg]
	return ok && a.fits != nil && a.fits(pub)
}

func ecCurve(c elliptic.Curve) func(any) bool {
	return func(pub any) bool {
		k, ok := pub.(*ecdsa.PublicKey)
		return ok && k.Curve == c
	}
}

func isRSA(pub any) bool { _, ok := pub.(*rsa.PublicKey); return ok }

func isEd25519(pub any) bool { _, ok := pub.(ed25519.PublicKey); return ok }
