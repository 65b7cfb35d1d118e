package jose

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/registrar-dev/registrar/internal/store"
)

type storeKey = store.SigningKey

// memKeys is an in-memory store.Keys honouring the interface contract:
// RotateKeys retires the workspace's active keys of the fresh keys' algs,
// KeysByWorkspace hides keys whose PublishUntil has passed.
type memKeys struct {
	mu    sync.Mutex
	keys  []store.SigningKey
	reads atomic.Int64 // KeysByWorkspace calls
	down  atomic.Bool  // answer ErrUnavailable
}

func (m *memKeys) RotateKeys(_ context.Context, ws string, fresh []store.SigningKey, at, until time.Time) error {
	if m.down.Load() {
		return store.ErrUnavailable
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range fresh {
		if slices.ContainsFunc(m.keys, func(k store.SigningKey) bool { return k.Workspace == ws && k.KID == f.KID }) {
			return store.ErrConflict
		}
	}
	for i, k := range m.keys {
		if k.Workspace == ws && k.RetiredAt.IsZero() && slices.ContainsFunc(fresh, func(f store.SigningKey) bool { return f.Alg == k.Alg }) {
			m.keys[i].RetiredAt, m.keys[i].PublishUntil = at, until
		}
	}
	m.keys = append(m.keys, fresh...)
	return nil
}

func (m *memKeys) KeysByWorkspace(_ context.Context, ws string, now time.Time) ([]store.SigningKey, error) {
	m.reads.Add(1)
	if m.down.Load() {
		return nil, fmt.Errorf("keys: %w", store.ErrUnavailable)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.SigningKey
	for _, k := range slices.Backward(m.keys) { // newest first
		if k.Workspace == ws && (k.RetiredAt.IsZero() || k.PublishUntil.After(now)) {
			out = append(out, k)
		}
	}
	return out, nil
}

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const testRefresh = 30 * time.Second

// newRing returns a ring over a fresh store whose workspaces "a" and "b"
// have keys.
func newRing(tb testing.TB) (*KeyRing, *memKeys, *clock) {
	tb.Helper()
	keys := &memKeys{}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ring := NewKeyRing(keys, testSealer(tb), c.now, testRefresh)
	for _, ws := range []string{"a", "b"} {
		if err := ring.EnsureKeys(context.Background(), ws); err != nil {
			tb.Fatal(err)
		}
	}
	return ring, keys, c
}

// otherNode is a second ring over the same store and clock.
func otherNode(tb testing.TB, keys *memKeys, c *clock) *KeyRing {
	return NewKeyRing(keys, testSealer(tb), c.now, testRefresh)
}

func mustSign(tb testing.TB, ring *KeyRing, ws, alg string) string {
	tb.Helper()
	tok, err := ring.Sign(context.Background(), ws, alg, "at+jwt", map[string]string{"sub": "x"})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// headerOf decodes a token's protected header.
func headerOf(tb testing.TB, tok string) map[string]any {
	tb.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		tb.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

func kidOf(tb testing.TB, tok string) string {
	tb.Helper()
	kid, _ := headerOf(tb, tok)["kid"].(string)
	return kid
}

type jwksDoc struct {
	Keys []map[string]any `json:"keys"`
}

func jwksOf(tb testing.TB, ring *KeyRing, ws string) jwksDoc {
	tb.Helper()
	raw, err := ring.JWKS(context.Background(), ws)
	if err != nil {
		tb.Fatal(err)
	}
	var doc jwksDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		tb.Fatalf("jwks %s: %v", raw, err)
	}
	return doc
}

func kids(doc jwksDoc) []string {
	var out []string
	for _, k := range doc.Keys {
		out = append(out, k["kid"].(string))
	}
	return out
}

func TestJWKSHasNoPrivateMembers(t *testing.T) {
	ring, _, _ := newRing(t)
	doc := jwksOf(t, ring, "a")
	if len(doc.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		for _, m := range privateMembers {
			if _, ok := k[m]; ok {
				t.Fatalf("JWKS key %v has private member %q", k["kid"], m)
			}
		}
		if k["kid"] == "" || k["alg"] == "" || k["use"] != "sig" {
			t.Fatalf("key lacks kid/alg/use: %v", k)
		}
	}
}

func TestJWKSForUnknownWorkspaceIsEmpty(t *testing.T) {
	ring, _, _ := newRing(t)
	raw, err := ring.JWKS(context.Background(), "nobody")
	if err != nil || string(raw) != `{"keys":[]}` {
		t.Fatalf("JWKS = %s, %v", raw, err)
	}
}

func TestEnsureKeysIsIdempotent(t *testing.T) {
	ring, keys, _ := newRing(t)
	before := len(keys.keys)
	if err := ring.EnsureKeys(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if len(keys.keys) != before {
		t.Fatalf("second EnsureKeys inserted %d keys", len(keys.keys)-before)
	}
}

func TestSignVerifyEachAlg(t *testing.T) {
	ring, _, _ := newRing(t)
	ctx := context.Background()
	for _, alg := range []string{"ES256", "RS256", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			tok, err := ring.Sign(ctx, "a", alg, "at+jwt", map[string]string{"sub": "x"})
			if err != nil {
				t.Fatal(err)
			}
			h := headerOf(t, tok)
			want := map[string]any{"alg": alg, "kid": h["kid"], "typ": "at+jwt"}
			if diff := cmp.Diff(want, h); diff != "" {
				t.Fatalf("header (-want +got):\n%s", diff)
			}
			payload, err := ring.Verify(ctx, "a", tok, "at+jwt")
			if err != nil || string(payload) != `{"sub":"x"}` {
				t.Fatalf("verify: %s %v", payload, err)
			}
		})
	}
}

// Our compact form is assembled by hand; jwx's full verifier, given only
// the published JWKS, must accept it, as any relying party would.
func TestTokensVerifyWithJWKSAlone(t *testing.T) {
	ring, _, _ := newRing(t)
	raw, err := ring.JWKS(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	set, err := jwk.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"ES256", "RS256", "PS256"} {
		tok := mustSign(t, ring, "a", alg)
		payload, err := jws.Verify([]byte(tok), jws.WithKeySet(set, jws.WithRequireKid(true)))
		if err != nil || string(payload) != `{"sub":"x"}` {
			t.Fatalf("%s: jws.Verify with the JWKS: %s %v", alg, payload, err)
		}
	}
}

func TestSignWithoutTyp(t *testing.T) {
	ring, _, _ := newRing(t)
	tok, err := ring.Sign(context.Background(), "a", "ES256", "", map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := headerOf(t, tok)["typ"]; ok {
		t.Fatal("empty typ was emitted")
	}
	if _, err := ring.Verify(context.Background(), "a", tok, ""); err != nil {
		t.Fatal(err)
	}
}

func TestSignErrors(t *testing.T) {
	ring, _, _ := newRing(t)
	ctx := context.Background()
	if _, err := ring.Sign(ctx, "a", "HS256", "JWT", struct{}{}); err == nil {
		t.Fatal("signed with an alg the workspace has no key for")
	}
	if _, err := ring.Sign(ctx, "nobody", "ES256", "JWT", struct{}{}); err == nil {
		t.Fatal("signed for a workspace without keys")
	}
	if _, err := ring.Sign(ctx, "a", "ES256", "JWT", func() {}); err == nil {
		t.Fatal("signed claims that cannot be marshalled")
	}
}

func TestRotationKeepsOldKeyPublished(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	before := mustSign(t, ring, "a", "ES256")
	oldKIDs := kids(jwksOf(t, ring, "a"))
	fresh, err := ring.Rotate(ctx, "a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	after := mustSign(t, ring, "a", "ES256")
	if kidOf(t, after) == kidOf(t, before) || kidOf(t, after) != fresh[0].KID {
		t.Fatalf("signing did not switch to the new key %s", fresh[0].KID)
	}
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); err != nil {
		t.Fatalf("token signed before rotation no longer verifies: %v", err)
	}
	var newKIDs []string
	for _, f := range fresh {
		newKIDs = append(newKIDs, f.KID)
	}
	got := kids(jwksOf(t, ring, "a"))
	if len(got) != 6 || !sameSet(got[:3], newKIDs) || !sameSet(got[3:], oldKIDs) {
		t.Fatalf("JWKS after rotation %v, want new %v first then old %v", got, newKIDs, oldKIDs)
	}
	// Publication lasts publishFor plus the refresh interval.
	c.add(time.Hour + testRefresh - time.Second)
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); err != nil {
		t.Fatalf("old key left before PublishUntil: %v", err)
	}
	c.add(2 * time.Second)
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("a key past its publication window still verifies: %v", err)
	}
	c.add(testRefresh)
	if got := kids(jwksOf(t, ring, "a")); !sameSet(got, newKIDs) {
		t.Fatalf("JWKS after PublishUntil %v, want only %v", got, newKIDs)
	}
}

func sameSet(a, b []string) bool {
	return cmp.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// A rotation on another node (or the CLI) is seen when the snapshot
// expires, and at once by Verify when a token names the new kid.
func TestRotationElsewhere(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	old := kidOf(t, mustSign(t, ring, "a", "ES256"))
	fresh, err := otherNode(t, keys, c).Rotate(ctx, "a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	newTok := mustSign(t, otherNode(t, keys, c), "a", "ES256")
	if _, err := ring.Verify(ctx, "a", newTok, "at+jwt"); err != nil {
		t.Fatalf("a token from the new key did not force a reload: %v", err)
	}
	// The forced reload also switched signing, before the refresh interval.
	if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got != fresh[0].KID || got == old {
		t.Fatalf("signing with %s after reload, want %s", got, fresh[0].KID)
	}
}

func TestStaleSnapshotReloads(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	old := kidOf(t, mustSign(t, ring, "a", "ES256"))
	if _, err := otherNode(t, keys, c).Rotate(ctx, "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got != old {
		t.Fatalf("switched keys before the refresh interval: %s", got)
	}
	c.add(testRefresh)
	if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got == old {
		t.Fatal("still signing with the retired key after the refresh interval")
	}
}

func TestWarmSignAndVerifyDoNotReadTheStore(t *testing.T) {
	ring, keys, _ := newRing(t)
	ctx := context.Background()
	tok := mustSign(t, ring, "a", "ES256")
	reads := keys.reads.Load()
	for range 50 {
		mustSign(t, ring, "a", "RS256")
		if _, err := ring.Verify(ctx, "a", tok, "at+jwt"); err != nil {
			t.Fatal(err)
		}
		if _, err := ring.JWKS(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
	if n := keys.reads.Load() - reads; n != 0 {
		t.Fatalf("warm cache read the store %d times", n)
	}
}

// Random kids from a stranger must not become one query each.
func TestUnknownKidReloadIsRateLimited(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	mustSign(t, ring, "a", "ES256") // warm
	forged := func(i int) string {
		return forge(map[string]any{"alg": "ES256", "kid": fmt.Sprint("random-", i), "typ": "at+jwt"}, `{}`, func([]byte) []byte { return make([]byte, 64) })
	}
	reads := keys.reads.Load()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			if _, err := ring.Verify(ctx, "a", forged(i), "at+jwt"); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("forged kid: %v", err)
			}
		})
	}
	wg.Wait()
	if n := keys.reads.Load() - reads; n > 1 {
		t.Fatalf("200 unknown kids in one second caused %d store reads, want at most 1", n)
	}
	c.add(forcedRefreshEvery)
	ring.Verify(ctx, "a", forged(-1), "at+jwt")
	if n := keys.reads.Load() - reads; n > 2 {
		t.Fatalf("after a second: %d store reads, want at most 2", n)
	}
}

func TestServesFromCacheWhileStoreIsDown(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	tok := mustSign(t, ring, "a", "ES256")
	keys.down.Store(true)
	c.add(testRefresh + time.Second)
	mustSign(t, ring, "a", "ES256")
	reads := keys.reads.Load()
	for range 20 {
		mustSign(t, ring, "a", "ES256")
	}
	if n := keys.reads.Load() - reads; n != 0 {
		t.Fatalf("a down store was retried %d times within a second", n)
	}
	if _, err := ring.Verify(ctx, "a", tok, "at+jwt"); err != nil {
		t.Fatal(err)
	}
	// Without a snapshot the store's error reaches the caller unchanged,
	// so it can answer 503 instead of invalid_token.
	if _, err := ring.Verify(ctx, "b-cold", tok, "at+jwt"); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("cold workspace with the store down: %v", err)
	}
}

// Two nodes whose EnsureKeys raced may leave two active keys of one alg;
// every node must then sign with the same one.
func TestTwoActiveKeysPickDeterministically(t *testing.T) {
	keys := &memKeys{}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := testSealer(t)
	var racers []store.SigningKey
	for range 2 {
		sk, err := GenerateKey("a", "ES256", s, c.now())
		if err != nil {
			t.Fatal(err)
		}
		racers = append(racers, sk)
	}
	keys.keys = racers // both active, as if neither transaction saw the other
	want := max(racers[0].KID, racers[1].KID)
	for i := range 3 {
		if got := kidOf(t, mustSign(t, otherNode(t, keys, c), "a", "ES256")); got != want {
			t.Fatalf("node %d signs with %s, want %s", i, got, want)
		}
	}
	slices.Reverse(keys.keys)
	if got := kidOf(t, mustSign(t, otherNode(t, keys, c), "a", "ES256")); got != want {
		t.Fatalf("store order changed the pick: %s", got)
	}
}

func TestConcurrentSignVerifyRotate(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for range 30 {
				tok, err := ring.Sign(ctx, "a", "ES256", "at+jwt", map[string]int{"g": g})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := ring.Verify(ctx, "a", tok, "at+jwt"); err != nil {
					t.Error(err)
					return
				}
				ring.JWKS(ctx, "a")
			}
		})
	}
	wg.Go(func() {
		for range 2 {
			if _, err := ring.Rotate(ctx, "a", time.Hour); err != nil {
				t.Error(err)
			}
			c.add(time.Second)
		}
	})
	wg.Wait()
}
