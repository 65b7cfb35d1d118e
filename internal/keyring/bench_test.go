package keyring

import (
	"context"
	"testing"
)

// accessClaims is the shape of a typical access token's claims.
var accessClaims = map[string]any{"iss": "https://x/default", "sub": "c", "aud": "https://x/default", "exp": 1, "iat": 1, "jti": "abc", "client_id": "c", "scope": "dcr"}

func BenchmarkSignES256(b *testing.B) {
	ring, _, _ := newRing(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Sign(context.Background(), "a", "ES256", "at+jwt", accessClaims); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignES256Parallel(b *testing.B) {
	ring, _, _ := newRing(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ring.Sign(context.Background(), "a", "ES256", "at+jwt", accessClaims); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyES256 verifies one token again and again: the cached
// path that repeated introspection of a live token takes.
func BenchmarkVerifyES256(b *testing.B) {
	ring, _, _ := newRing(b)
	tok := mustSign(b, ring, "a", "ES256")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Verify(context.Background(), "a", tok, "at+jwt"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyES256Uncached is the first verification of a token.
func BenchmarkVerifyES256Uncached(b *testing.B) {
	ring, _, _ := newRing(b)
	ring.verified = nil
	tok := mustSign(b, ring, "a", "ES256")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Verify(context.Background(), "a", tok, "at+jwt"); err != nil {
			b.Fatal(err)
		}
	}
}
