package oauth

import (
	"crypto"
	"testing"

	"github.com/registrar-dev/registrar/internal/jose"
)

// BenchmarkAssertionVerify is the signature check an ES256 assertion
// costs, for scale.
func BenchmarkAssertionVerify(b *testing.B) {
	key := newKey(b, "ES256")
	set, err := jose.ParseJWKS(jwksOf(b, map[string]crypto.Signer{"k1": key}, map[string]string{"k1": "ES256"}))
	if err != nil {
		b.Fatal(err)
	}
	tok := signAssertion(b, es256("k1"), map[string]any{"sub": "c"}, key)
	v := jose.Verifier{Keys: set, Algs: []string{"ES256"}}
	for b.Loop() {
		if _, _, err := v.Verify(b.Context(), tok); err != nil {
			b.Fatal(err)
		}
	}
}
