package jose

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/testutil/jwttest"
)

// testKeys is a fixed key set: the shape a client's registered jwks takes.
type testKeys map[string]Key

func (s testKeys) Key(_ context.Context, kid string) (Key, error) {
	k, ok := s[kid]
	if !ok {
		return Key{}, fmt.Errorf("kid %q: %w", kid, ErrUnknownKey)
	}
	return k, nil
}

// testSigners makes one key per alg, named after its alg, and the set of
// their public halves.
func testSigners(tb testing.TB) (map[string]*Signer, testKeys) {
	tb.Helper()
	signers, keys := map[string]*Signer{}, testKeys{}
	for _, alg := range []string{"ES256", "RS256", "PS256"} {
		priv := mustPrivateKey(tb, alg)
		s, err := NewSigner("kid-"+alg, alg, priv)
		if err != nil {
			tb.Fatal(err)
		}
		signers[alg], keys["kid-"+alg] = s, Key{Alg: alg, Public: priv.Public()}
	}
	return signers, keys
}

func mustPrivateKey(tb testing.TB, alg string) crypto.Signer {
	tb.Helper()
	priv, err := NewPrivateKey(alg)
	if err != nil {
		tb.Fatal(err)
	}
	return priv
}

func mustSign(tb testing.TB, s *Signer, typ string) string {
	tb.Helper()
	tok, err := s.Sign(typ, map[string]string{"sub": "x"})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func TestSignerHeader(t *testing.T) {
	signers, _ := testSigners(t)
	for _, tc := range []struct {
		typ  string
		want map[string]any
	}{
		{"at+jwt", map[string]any{"alg": "PS256", "kid": "kid-PS256", "typ": "at+jwt"}},
		{"", map[string]any{"alg": "PS256", "kid": "kid-PS256"}},
	} {
		for range 2 { // the second time from the header cache
			if diff := cmp.Diff(tc.want, jwttest.Header(t, mustSign(t, signers["PS256"], tc.typ))); diff != "" {
				t.Fatalf("typ %q: header (-want +got):\n%s", tc.typ, diff)
			}
		}
	}
}

func TestSignerRefusesClaimsItCannotMarshal(t *testing.T) {
	signers, _ := testSigners(t)
	if _, err := signers["ES256"].Sign("JWT", func() {}); err == nil {
		t.Fatal("signed claims that cannot be marshalled")
	}
}

// A P-256 key signs and renders ES256 only; no key is made for an alg
// outside ES256, RS256, PS256 and EdDSA.
func TestOtherAlgsAreRefused(t *testing.T) {
	priv := mustPrivateKey(t, "ES256")
	for _, alg := range []string{"", "none", "HS256", "ES384", "EdDSA", "es256", "RS256"} {
		if _, err := NewPrivateKey(alg); err == nil && alg != "EdDSA" && alg != "RS256" {
			t.Errorf("NewPrivateKey(%q) succeeded", alg)
		}
		if _, err := NewSigner("k", alg, priv); err == nil {
			t.Errorf("NewSigner(%q) succeeded", alg)
		}
		if _, err := PublicJWK(priv.Public(), "k", alg); err == nil {
			t.Errorf("PublicJWK(%q) succeeded", alg)
		}
	}
}

func TestPublicJWK(t *testing.T) {
	for _, tc := range []struct{ alg, kty string }{{"ES256", "EC"}, {"RS256", "RSA"}, {"PS256", "RSA"}} {
		raw, err := PublicJWK(mustPrivateKey(t, tc.alg).Public(), "k1", tc.alg)
		if err != nil {
			t.Fatal(err)
		}
		var jwk map[string]any
		if err := json.Unmarshal(raw, &jwk); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"kty": tc.kty, "kid": "k1", "alg": tc.alg, "use": "sig"} {
			if jwk[name] != want {
				t.Errorf("%s: JWK %s = %v, want %q", tc.alg, name, jwk[name], want)
			}
		}
		for _, m := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := jwk[m]; ok {
				t.Errorf("%s: public JWK has private member %q", tc.alg, m)
			}
		}
	}
}
