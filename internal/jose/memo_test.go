package jose

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/testutil/jwttest"
)

// A token remembered is accepted again only while a key that verified it
// is among the keys the set offers for its header now, with the alg it
// was signed with.
func TestSignatureMemoRechecksTheKeySet(t *testing.T) {
	priv, other := mustPrivateKey(t, "ES256"), mustPrivateKey(t, "ES256")
	tok := signedClaims(t, priv, "k1", "ES256")
	published := mustJWKS(t, jwkSpec{priv: priv, kid: "k1", signAlg: "ES256"})
	memo := NewSignatureMemo(16)
	verify := func(keys KeySet, algs ...string) error {
		_, _, err := Verifier{Keys: keys, Algs: algs, Memo: memo}.Verify(t.Context(), tok)
		return err
	}
	if err := verify(published, "ES256"); err != nil {
		t.Fatalf("first verification: %v", err)
	}
	for name, keys := range map[string]KeySet{
		"key rotated out (kid k1 now names another key)": mustJWKS(t, jwkSpec{priv: other, kid: "k1", signAlg: "ES256"}),
		"key published under another kid only":           mustJWKS(t, jwkSpec{priv: priv, kid: "k2", signAlg: "ES256"}),
		"no keys at all":                                 JWKS{},
	} {
		if err := verify(keys, "ES256"); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: remembered token accepted (err %v)", name, err)
		}
	}
	if err := verify(published, "ES384"); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("alg no longer allowed: remembered token accepted (err %v)", err)
	}
	if err := verify(oneKey{Alg: "ES384", Public: priv.Public()}, "ES256", "ES384"); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("key now for another alg: remembered token accepted (err %v)", err)
	}
	if err := verify(published, "ES256"); err != nil {
		t.Fatalf("the key published again: %v", err)
	}
}

// A hit costs no signature check: a remembered token is accepted with
// a key set whose key is the same public key parsed anew, and its payload
// is a copy the caller may change.
func TestSignatureMemoHit(t *testing.T) {
	priv := mustPrivateKey(t, "ES256")
	tok := signedClaims(t, priv, "k1", "ES256")
	memo := NewSignatureMemo(16)
	v := Verifier{Keys: mustJWKS(t, jwkSpec{priv: priv, kid: "k1", signAlg: "ES256"}), Algs: []string{"ES256"}, Memo: memo}
	first, _, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	first[0] = 'X'
	if memo.verified.Len() != 1 {
		t.Fatalf("memo holds %d tokens, want 1", memo.verified.Len())
	}
	v.Keys, _ = parseJWKS(jwksOf(t, jwkSpec{priv: priv, kid: "k1", signAlg: "ES256"}))
	again, _, err := v.Verify(t.Context(), tok)
	if err != nil || !bytes.Equal(again, []byte(`{"sub":"x"}`)) {
		t.Fatalf("remembered token: %q, %v", again, err)
	}
}

// Failures and HMAC verifications are never remembered.
func TestSignatureMemoKeepsNoFailureNorSecret(t *testing.T) {
	priv, other := mustPrivateKey(t, "ES256"), mustPrivateKey(t, "ES256")
	memo := NewSignatureMemo(16)
	forged := signedClaims(t, other, "k1", "ES256")
	v := Verifier{Keys: mustJWKS(t, jwkSpec{priv: priv, kid: "k1", signAlg: "ES256"}), Algs: []string{"ES256"}, Memo: memo}
	if _, _, err := v.Verify(t.Context(), forged); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("forged token: %v", err)
	}
	secret := SharedSecret("a shared secret of thirty-two bytes!")
	hs := jwttest.Forge(map[string]any{"alg": "HS256"}, `{"sub":"x"}`, jwttest.HMACWith(secret))
	if _, _, err := (Verifier{Keys: secret, Algs: []string{"HS256"}, Memo: memo}).Verify(t.Context(), hs); err != nil {
		t.Fatalf("HS256 token: %v", err)
	}
	if n := memo.verified.Len(); n != 0 {
		t.Fatalf("memo holds %d tokens, want none", n)
	}
}

func mustJWKS(t *testing.T, keys ...jwkSpec) JWKS {
	t.Helper()
	set, err := parseJWKS(jwksOf(t, keys...))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A set parsed is remembered by its bytes; a document that is no set is
// refused every time.
func TestParseJWKSRemembered(t *testing.T) {
	doc := jwksOf(t, jwkSpec{priv: mustPrivateKey(t, "ES256"), kid: "remembered", signAlg: "ES256"})
	first, err := ParseJWKS(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parsedJWKS.Get(string(doc)); !ok {
		t.Fatal("the parsed set was not remembered")
	}
	again, err := ParseJWKS(doc)
	if err != nil || again.Len() != first.Len() || again.keys[0].kid != "remembered" {
		t.Fatalf("remembered set: %+v, %v", again, err)
	}
	for range 2 {
		if _, err := ParseJWKS([]byte(`{"keys":null}`)); err == nil {
			t.Fatal("a document that is no JWK Set was accepted")
		}
	}
}

// BenchmarkParseJWKS: parsing a one-key set against finding it parsed.
func BenchmarkParseJWKS(b *testing.B) {
	doc := jwksOf(b, jwkSpec{priv: mustPrivateKey(b, "ES256"), kid: "k1", signAlg: "ES256"})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseJWKS(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseJWKS(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// oneKey is a KeySet of one key that names its alg.
type oneKey Key

func (k oneKey) Key(context.Context, string) (Key, error) { return Key(k), nil }

// A header parsed is remembered by its segment, and the rest of a token
// is still checked every time: a non-canonical signature is refused
// under a remembered header, a header that failed is never remembered,
// and an unusually long one is not kept.
func TestParsedHeaderRemembered(t *testing.T) {
	priv := mustPrivateKey(t, "ES256")
	tok := jwttest.Forge(map[string]any{"alg": "ES256", "kid": "remembered-header"}, `{"sub":"x"}`, signedBy(t, priv, "ES256"))
	seg, _, _ := strings.Cut(tok, ".")
	first, err := ParseHeader(tok)
	if err != nil || first.Kid != "remembered-header" {
		t.Fatalf("ParseHeader: %+v, %v", first, err)
	}
	if h, ok := parsedHeaders.Get(seg); !ok || h != first {
		t.Fatalf("header not remembered: %+v, %v", h, ok)
	}
	respelled := tok[:len(tok)-1] + nonCanonicalLast(tok)
	if _, err := ParseHeader(respelled); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("non-canonical signature under a remembered header: %v", err)
	}
	dup := encodedHeader(`{"alg":"ES256","alg":"none"}`)
	for range 2 {
		if _, err := ParseHeader(dup); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("duplicate members: %v", err)
		}
	}
	long := encodedHeader(`{"alg":"ES256","kid":"` + strings.Repeat("k", 600) + `"}`)
	if _, err := ParseHeader(long); err != nil {
		t.Fatal(err)
	}
	longSeg, _, _ := strings.Cut(long, ".")
	if _, ok := parsedHeaders.Get(longSeg); ok {
		t.Fatal("a header longer than maxRememberedHeader was kept")
	}
}
