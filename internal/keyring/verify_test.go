package keyring

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/testutil/jwttest"
)

func publicJWKOf(keys *memKeys, kid string) []byte {
	keys.mu.Lock()
	defer keys.mu.Unlock()
	for _, k := range keys.keys {
		if k.KID == kid {
			return k.PublicJWK
		}
	}
	return nil
}

// nonCanonicalLast respells the last base64url character of tok with one
// of its unused low bits set: the same bytes, a different string.
func nonCanonicalLast(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	return string(alphabet[i^1])
}

func TestVerifyRejects(t *testing.T) {
	ring, keys, _ := newRing(t)
	ctx := context.Background()
	good := mustSign(t, ring, "a", "ES256")
	esKID := kidOf(t, good)
	rsKID := kidOf(t, mustSign(t, ring, "a", "RS256"))
	parts := strings.Split(good, ".")
	esSigOf := func(tok string) func([]byte) []byte {
		return func([]byte) []byte {
			sig, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[2])
			return sig
		}
	}
	withHeader := func(extra map[string]any) string {
		h := map[string]any{"alg": "ES256", "kid": esKID, "typ": "at+jwt"}
		for k, v := range extra {
			h[k] = v
		}
		return jwttest.Forge(h, `{"sub":"x"}`, esSigOf(good))
	}
	jsonSerialization, _ := json.Marshal(map[string]any{"payload": parts[1], "signatures": []map[string]string{{"protected": parts[0], "signature": parts[2]}, {"protected": parts[0], "signature": parts[2]}}})
	cases := []struct{ name, token, typ string }{
		{"alg none", jwttest.Forge(map[string]any{"alg": "none", "kid": esKID, "typ": "at+jwt"}, `{"sub":"x"}`, jwttest.NoSig), "at+jwt"},
		{"alg none, no kid", jwttest.Forge(map[string]any{"alg": "none"}, `{}`, jwttest.NoSig), ""},
		{"HS256 with the public JWK as secret", jwttest.Forge(map[string]any{"alg": "HS256", "kid": esKID, "typ": "at+jwt"}, `{}`, jwttest.HMACWith(publicJWKOf(keys, esKID))), "at+jwt"},
		{"HS256 with the RSA public JWK as secret", jwttest.Forge(map[string]any{"alg": "HS256", "kid": rsKID, "typ": "at+jwt"}, `{}`, jwttest.HMACWith(publicJWKOf(keys, rsKID))), "at+jwt"},
		{"RS256 header on the ES256 key", withHeader(map[string]any{"alg": "RS256"}), "at+jwt"},
		{"PS256 header on the RS256 key", jwttest.Forge(map[string]any{"alg": "PS256", "kid": rsKID, "typ": "at+jwt"}, `{}`, jwttest.NoSig), "at+jwt"},
		{"wrong typ", good, "JWT"},
		{"typ missing", withHeader(map[string]any{"typ": nil}), "at+jwt"},
		{"typ not a string", withHeader(map[string]any{"typ": 1}), "at+jwt"},
		{"unknown kid", withHeader(map[string]any{"kid": "nope"}), "at+jwt"},
		{"no kid", jwttest.Forge(map[string]any{"alg": "ES256", "typ": "at+jwt"}, `{"sub":"x"}`, esSigOf(good)), "at+jwt"},
		{"crit header", withHeader(map[string]any{"crit": []string{"exp"}, "exp": 1}), "at+jwt"},
		{"b64 false", withHeader(map[string]any{"b64": false}), "at+jwt"},
		{"jku header pointing elsewhere", withHeader(map[string]any{"jku": "https://evil.example/jwks"}), "at+jwt"},
		{"modified payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2], "at+jwt"},
		{"modified header", withHeader(map[string]any{"x": 1}), "at+jwt"},
		{"non-canonical signature encoding", good[:len(good)-1] + nonCanonicalLast(good), "at+jwt"},
		{"padded signature", good + "==", "at+jwt"},
		{"signature stripped", parts[0] + "." + parts[1] + ".", "at+jwt"},
		{"other workspace's token", mustSign(t, ring, "b", "ES256"), "at+jwt"},
		{"duplicate header member", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","kid":"`+esKID+`","typ":"at+jwt","alg":"none"}`)) + "." + parts[1] + "." + parts[2], "at+jwt"},
		{"JSON serialization with two signatures", string(jsonSerialization), ""},
		{"four parts", good + ".x", "at+jwt"},
		{"garbage", "a.b.c", ""},
		{"two parts", "a.b", ""},
		{"empty", "", ""},
		{"too long", strings.Repeat("a", jose.MaxTokenSize) + "..", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ring.Verify(ctx, "a", tc.token, tc.typ); !errors.Is(err, jose.ErrInvalidSignature) {
				t.Fatalf("err = %v, want jose.ErrInvalidSignature", err)
			}
		})
	}
	if _, err := ring.Verify(ctx, "a", good, "at+jwt"); err != nil {
		t.Fatalf("the genuine token no longer verifies: %v", err)
	}
}

// The typ forms of jwttest.TypForms: case-insensitive, with or without
// "application/".
func TestVerifyTypForms(t *testing.T) {
	ring, _, _ := newRing(t)
	ctx := context.Background()
	for _, tc := range jwttest.TypForms {
		tok, err := ring.Sign(ctx, "a", "ES256", tc.Signed, map[string]string{"sub": "x"})
		if err != nil {
			t.Fatal(err)
		}
		for _, pass := range []string{"fresh", "cached"} {
			_, err := ring.Verify(ctx, "a", tok, tc.Want)
			if (err == nil) != tc.OK {
				t.Errorf("%s: typ %q verified as %q: err = %v, want ok=%v", pass, tc.Signed, tc.Want, err, tc.OK)
			}
		}
	}
}

func TestVerifyCacheHandsOutCopies(t *testing.T) {
	ring, _, _ := newRing(t)
	ctx := context.Background()
	tok := mustSign(t, ring, "a", "ES256")
	for range 3 {
		p, err := ring.Verify(ctx, "a", tok, "at+jwt")
		if err != nil || string(p) != `{"sub":"x"}` {
			t.Fatalf("verify: %s %v", p, err)
		}
		clear(p) // a careless caller must not corrupt the cache
	}
}

// A remembered verification counts only while its key is published, and
// only in the workspace that verified it.
func TestVerifyCacheRespectsKeyAndWorkspace(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	tok := mustSign(t, ring, "a", "ES256")
	if _, err := ring.Verify(ctx, "a", tok, "at+jwt"); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Verify(ctx, "b", tok, "at+jwt"); !errors.Is(err, jose.ErrInvalidSignature) {
		t.Fatalf("workspace b accepted a's cached token: %v", err)
	}
	r, err := ring.Rotate(ctx, "a", time.Minute, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	c.add(r.OldPublishedUntil.Sub(c.now()) + time.Second)
	if _, err := ring.Verify(ctx, "a", tok, "at+jwt"); !errors.Is(err, jose.ErrInvalidSignature) {
		t.Fatalf("cached token of an unpublished key: %v", err)
	}
}

// A remembered verification answers for the typ the caller asks, not the
// typ the first caller asked.
func TestVerifyCacheChecksTypPerCaller(t *testing.T) {
	ring, _, _ := newRing(t)
	ctx := context.Background()
	tok := mustSign(t, ring, "a", "ES256")
	if _, err := ring.Verify(ctx, "a", tok, "at+jwt"); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Verify(ctx, "a", tok, "JWT"); !errors.Is(err, jose.ErrInvalidSignature) {
		t.Fatalf("cached at+jwt token verified as JWT: %v", err)
	}
}

// A retired key stops verifying at PublishUntil even when the snapshot,
// read just before, still holds it.
func TestRetiredKeyLeavesWithoutReload(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	old := mustSign(t, ring, "a", "ES256")
	r, err := ring.Rotate(ctx, "a", time.Hour, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	c.add(r.OldPublishedUntil.Sub(c.now()) - time.Second)
	if !slices.Contains(kids(jwksOf(t, ring, "a")), kidOf(t, old)) {
		t.Fatal("the old key left the JWKS before PublishUntil")
	}
	reads := keys.reads.Load()
	c.add(2 * time.Second)
	if _, err := ring.Verify(ctx, "a", old, "at+jwt"); !errors.Is(err, jose.ErrInvalidSignature) {
		t.Fatalf("a never-verified token of a key past PublishUntil: %v", err)
	}
	if n := keys.reads.Load() - reads; n != 0 {
		t.Fatalf("the store was read %d times: the snapshot should have answered", n)
	}
}
