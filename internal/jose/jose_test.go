package jose

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// memKeys is an in-memory store.Keys honouring the interface contract.
type memKeys struct {
	mu   sync.Mutex
	keys []store.SigningKey
}

func (m *memKeys) RotateKeys(_ context.Context, ws string, fresh []store.SigningKey, at, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range m.keys {
		if k.Workspace == ws && k.RetiredAt.IsZero() && slices.ContainsFunc(fresh, func(f store.SigningKey) bool { return f.Alg == k.Alg }) {
			m.keys[i].RetiredAt, m.keys[i].PublishUntil = at, until
		}
	}
	m.keys = append(m.keys, fresh...)
	return nil
}

func (m *memKeys) KeysByWorkspace(_ context.Context, ws string, now time.Time) ([]store.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.SigningKey
	for _, k := range m.keys {
		if k.Workspace == ws && (k.RetiredAt.IsZero() || k.PublishUntil.After(now)) {
			out = append(out, k)
		}
	}
	return out, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newRing(t testing.TB) (*KeyRing, *memKeys, *clock) {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	keys := &memKeys{}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ring := NewKeyRing(keys, s, c.now, 30*time.Second)
	for _, ws := range []string{"a", "b"} {
		if err := ring.EnsureKeys(context.Background(), ws); err != nil {
			t.Fatal(err)
		}
	}
	return ring, keys, c
}

func TestSealerRoundTripAndTamper(t *testing.T) {
	s, _ := NewSealer(bytes.Repeat([]byte{1}, 32))
	sealed, err := s.Seal([]byte("secret"), []byte("ws/kid"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := s.Open(sealed, []byte("ws/kid")); err != nil || string(out) != "secret" {
		t.Fatalf("open: %q %v", out, err)
	}
	if _, err := s.Open(sealed, []byte("ws/other")); err == nil {
		t.Fatal("opened with the wrong aad")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(sealed, []byte("ws/kid")); err == nil {
		t.Fatal("opened a tampered value")
	}
}

func TestJWKSHasNoPrivateMembers(t *testing.T) {
	ring, _, _ := newRing(t)
	raw, err := ring.JWKS(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 3 {
		t.Fatalf("jwks %s: %v", raw, err)
	}
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Fatalf("JWKS key %v has private member %q", k["kid"], private)
			}
		}
		if k["kid"] == "" || k["alg"] == "" || k["use"] != "sig" {
			t.Fatalf("key lacks kid/alg/use: %v", k)
		}
	}
}

func TestSignVerifyEachAlg(t *testing.T) {
	ring, _, _ := newRing(t)
	ctx := context.Background()
	for _, alg := range []string{"ES256", "RS256", "PS256"} {
		tok, err := ring.Sign(ctx, "a", alg, "at+jwt", map[string]string{"sub": "x"})
		if err != nil {
			t.Fatal(alg, err)
		}
		payload, err := ring.Verify(ctx, "a", tok, "at+jwt")
		if err != nil || !strings.Contains(string(payload), `"sub":"x"`) {
			t.Fatalf("%s: %s %v", alg, payload, err)
		}
	}
}

// forge builds a compact JWS with the given header over payload, signed
// (or not) by sign.
func forge(header map[string]any, payload string, sign func([]byte) []byte) string {
	h, _ := json.Marshal(header)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	return in + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(in)))
}

func TestVerifyRejects(t *testing.T) {
	ring, keys, _ := newRing(t)
	ctx := context.Background()
	good, _ := ring.Sign(ctx, "a", "ES256", "at+jwt", map[string]string{"sub": "x"})
	kid := strings.Split(mustHeader(t, good), `"kid":"`)[1][:16]
	var pubES []byte
	for _, k := range keys.keys {
		if k.KID == kid {
			pubES = k.PublicJWK
		}
	}
	parts := strings.Split(good, ".")
	cases := []struct{ name, token, typ string }{
		{"alg none", forge(map[string]any{"alg": "none", "kid": kid, "typ": "at+jwt"}, `{}`, func([]byte) []byte { return nil }), "at+jwt"},
		{"hs256 with the public key as secret", forge(map[string]any{"alg": "HS256", "kid": kid, "typ": "at+jwt"}, `{}`, func(in []byte) []byte {
			m := hmac.New(sha256.New, pubES)
			m.Write(in)
			return m.Sum(nil)
		}), "at+jwt"},
		{"wrong typ", good, "JWT"},
		{"unknown kid", forge(map[string]any{"alg": "ES256", "kid": "nope", "typ": "at+jwt"}, `{}`, func([]byte) []byte { return []byte("sig") }), "at+jwt"},
		{"crit header", forge(map[string]any{"alg": "ES256", "kid": kid, "typ": "at+jwt", "crit": []string{"exp"}}, `{}`, func([]byte) []byte { return []byte("sig") }), "at+jwt"},
		{"modified payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2], "at+jwt"},
		{"other workspace's token", mustSign(t, ring, "b"), "at+jwt"},
		{"garbage", "a.b.c", ""},
		{"two parts", "a.b", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ring.Verify(ctx, "a", tc.token, tc.typ); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func mustSign(t *testing.T, ring *KeyRing, ws string) string {
	tok, err := ring.Sign(context.Background(), ws, "ES256", "at+jwt", map[string]string{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustHeader(t *testing.T, tok string) string {
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestRotationKeepsOldKeyPublished(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	before := mustSign(t, ring, "a")
	if _, err := ring.Rotate(ctx, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	after := mustSign(t, ring, "a")
	if mustHeader(t, before) == mustHeader(t, after) {
		t.Fatal("signing did not switch to the new key")
	}
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); err != nil {
		t.Fatalf("token signed before rotation no longer verifies: %v", err)
	}
	jwks, _ := ring.JWKS(ctx, "a")
	if n := strings.Count(string(jwks), `"kid"`); n != 6 {
		t.Fatalf("JWKS has %d keys after rotation, want 6 (3 active + 3 retired)", n)
	}
	c.t = c.t.Add(2 * time.Hour)
	ring.invalidate("a")
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); err == nil {
		t.Fatal("a key past its publication window still verifies")
	}
}

func FuzzVerify(f *testing.F) {
	ring, _, _ := newRing(f)
	f.Add(mustSignF(f, ring))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		ring.Verify(context.Background(), "a", token, "at+jwt")
	})
}

func mustSignF(f *testing.F, ring *KeyRing) string {
	tok, err := ring.Sign(context.Background(), "a", "ES256", "at+jwt", map[string]string{"sub": "x"})
	if err != nil {
		f.Fatal(err)
	}
	return tok
}

func BenchmarkSignES256(b *testing.B) {
	ring, _, _ := newRing(b)
	claims := map[string]any{"iss": "https://x/default", "sub": "c", "aud": "https://x/default", "exp": 1, "iat": 1, "jti": "abc", "client_id": "c", "scope": "dcr"}
	for b.Loop() {
		if _, err := ring.Sign(context.Background(), "a", "ES256", "at+jwt", claims); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256(b *testing.B) {
	ring, _, _ := newRing(b)
	tok, _ := ring.Sign(context.Background(), "a", "ES256", "at+jwt", map[string]any{"sub": "c"})
	for b.Loop() {
		if _, err := ring.Verify(context.Background(), "a", tok, "at+jwt"); err != nil {
			b.Fatal(err)
		}
	}
}
