package registration

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/registrar-dev/registrar/internal/jose"
)

// testKey is an ES256 key pair for signing test tokens, with its public
// JWK and a JWK Set holding it.
type testKey struct {
	kid     string
	private *ecdsa.PrivateKey
	jwk     json.RawMessage
}

func newTestKey(tb testing.TB, kid string) testKey {
	tb.Helper()
	priv, err := jose.NewPrivateKey("ES256")
	if err != nil {
		tb.Fatal(err)
	}
	jwk, err := jose.PublicJWK(priv.Public(), kid, "ES256")
	if err != nil {
		tb.Fatal(err)
	}
	return testKey{kid: kid, private: priv.(*ecdsa.PrivateKey), jwk: jwk}
}

// jwks is the key's public half as a JWK Set document.
func (k testKey) jwks() json.RawMessage {
	return json.RawMessage(`{"keys":[` + string(k.jwk) + `]}`)
}

// sign is a compact JWS of claims, ES256 under k, with header members
// beyond alg and kid (jku, jwk, x5u: what an attacker might add).
func (k testKey) sign(tb testing.TB, claims any, extra map[string]any) string {
	tb.Helper()
	h := map[string]any{"alg": "ES256", "kid": k.kid}
	for name, v := range extra {
		h[name] = v
	}
	input := encodeSegment(tb, h) + "." + encodeSegment(tb, claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k.private, digest[:])
	if err != nil {
		tb.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// signHS256 is a compact JWS "signed" with HMAC keyed by secret: the
// attack that uses a public key's text as the shared secret.
func signHS256(tb testing.TB, kid string, secret []byte, claims any) string {
	tb.Helper()
	input := encodeSegment(tb, map[string]any{"alg": "HS256", "kid": kid}) + "." + encodeSegment(tb, claims)
	mac := hmac.New(crypto.SHA256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// unsigned is a JWS with alg none and an empty signature.
func unsigned(tb testing.TB, kid string, claims any) string {
	tb.Helper()
	return encodeSegment(tb, map[string]any{"alg": "none", "kid": kid}) + "." + encodeSegment(tb, claims) + "."
}

func encodeSegment(tb testing.TB, v any) string {
	tb.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}
