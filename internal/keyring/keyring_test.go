package keyring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/testutil/jwttest"
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
func newRing(tb testing.TB) (*Ring, *memKeys, *clock) {
	tb.Helper()
	keys := &memKeys{}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ring := New(keys, testSealer(tb), c.now, testRefresh)
	for _, ws := range []string{"a", "b"} {
		if err := ring.EnsureKeys(context.Background(), ws); err != nil {
			tb.Fatal(err)
		}
	}
	return ring, keys, c
}

// otherNode is a second ring over the same store and clock.
func otherNode(tb testing.TB, keys *memKeys, c *clock) *Ring {
	return New(keys, testSealer(tb), c.now, testRefresh)
}

func mustSign(tb testing.TB, ring *Ring, ws, alg string) string {
	tb.Helper()
	tok, err := ring.Sign(context.Background(), ws, alg, "at+jwt", map[string]string{"sub": "x"})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func kidOf(tb testing.TB, tok string) string {
	tb.Helper()
	kid, _ := jwttest.Header(tb, tok)["kid"].(string)
	return kid
}

type jwksDoc struct {
	Keys []map[string]any `json:"keys"`
}

func jwksOf(tb testing.TB, ring *Ring, ws string) jwksDoc {
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
			h := jwttest.Header(t, tok)
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
	if _, ok := jwttest.Header(t, tok)["typ"]; ok {
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

// testMaxAge is the JWKS max-age the rotation tests publish with.
const testMaxAge = time.Minute

func TestFirstKeysSignAtOnce(t *testing.T) {
	ring, _, _ := newRing(t)
	published := kids(jwksOf(t, ring, "a"))
	for _, alg := range []string{"ES256", "RS256", "PS256"} {
		if kid := kidOf(t, mustSign(t, ring, "a", alg)); !slices.Contains(published, kid) {
			t.Fatalf("%s: a new workspace signs with %s, not with its published keys %v", alg, kid, published)
		}
	}
}

// A rotated-in key is in the JWKS at once, but the old key signs until a
// verifier's cached JWKS (max-age, and the refresh of the node it came
// from) must hold the new one.
func TestRotationPrepublishesTheNewKey(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	start := c.now()
	before := mustSign(t, ring, "a", "ES256")
	oldKIDs := kids(jwksOf(t, ring, "a"))
	r, err := ring.Rotate(ctx, "a", time.Hour, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(testMaxAge + testRefresh); !r.SignsFrom.Equal(want) {
		t.Fatalf("SignsFrom %v, want %v (max-age + refresh)", r.SignsFrom, want)
	}
	var newKIDs []string
	for _, f := range r.Keys {
		newKIDs = append(newKIDs, f.KID)
	}
	got := kids(jwksOf(t, ring, "a"))
	if len(got) != 6 || !sameSet(got[:3], newKIDs) || !sameSet(got[3:], oldKIDs) {
		t.Fatalf("JWKS after rotation %v, want new %v first then old %v", got, newKIDs, oldKIDs)
	}
	if kid := kidOf(t, mustSign(t, ring, "a", "ES256")); kid != kidOf(t, before) {
		t.Fatalf("signed with %s right after rotation; want the old key until %v", kid, r.SignsFrom)
	}
	c.add(r.SignsFrom.Sub(c.now()) - time.Nanosecond)
	if kid := kidOf(t, mustSign(t, ring, "a", "ES256")); kid != kidOf(t, before) {
		t.Fatalf("signed with %s before SignsFrom", kid)
	}
	c.add(time.Nanosecond)
	if kid := kidOf(t, mustSign(t, ring, "a", "ES256")); kid != r.Keys[0].KID {
		t.Fatalf("signed with %s at SignsFrom, want the new key %s", kid, r.Keys[0].KID)
	}
}

// The old keys stay published for publishFor after they stop signing,
// plus the refresh interval.
func TestRotationKeepsOldKeyPublished(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	before := mustSign(t, ring, "a", "ES256")
	r, err := ring.Rotate(ctx, "a", time.Hour, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	if want := r.SignsFrom.Add(time.Hour + testRefresh); !r.OldPublishedUntil.Equal(want) {
		t.Fatalf("OldPublishedUntil %v, want %v", r.OldPublishedUntil, want)
	}
	c.add(r.OldPublishedUntil.Sub(c.now()) - time.Second)
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); err != nil {
		t.Fatalf("old key left before PublishUntil: %v", err)
	}
	c.add(2 * time.Second)
	if _, err := ring.Verify(ctx, "a", before, "at+jwt"); !errors.Is(err, jose.ErrInvalidSignature) {
		t.Fatalf("a key past its publication window still verifies: %v", err)
	}
	c.add(testRefresh)
	var newKIDs []string
	for _, f := range r.Keys {
		newKIDs = append(newKIDs, f.KID)
	}
	if got := kids(jwksOf(t, ring, "a")); !sameSet(got, newKIDs) {
		t.Fatalf("JWKS after PublishUntil %v, want only %v", got, newKIDs)
	}
}

// A second rotation before the first one's key signs must not cut that
// key's pre-publication short: the keys take turns, each published for
// the full delay before it signs.
func TestRotationsInQuickSuccession(t *testing.T) {
	ring, _, c := newRing(t)
	ctx := context.Background()
	first := kidOf(t, mustSign(t, ring, "a", "ES256"))
	r1, err := ring.Rotate(ctx, "a", time.Hour, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	c.add(testMaxAge / 2)
	r2, err := ring.Rotate(ctx, "a", time.Hour, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at   time.Time
		want string
	}{
		{c.now(), first},
		{r1.SignsFrom.Add(-time.Second), first},
		{r1.SignsFrom, r1.Keys[0].KID},
		{r2.SignsFrom.Add(-time.Second), r1.Keys[0].KID},
		{r2.SignsFrom, r2.Keys[0].KID},
	}
	for i, st := range steps {
		c.add(st.at.Sub(c.now()))
		if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got != st.want {
			t.Fatalf("step %d (%v): signed with %s, want %s", i, st.at, got, st.want)
		}
	}
}

func sameSet(a, b []string) bool {
	return cmp.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// A key that signs elsewhere before this node has read it (a concurrent
// first start on another node) is found at once by Verify, and the forced
// reload also switches this node's signing.
func TestKeyFromElsewhereForcesReload(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	old := kidOf(t, mustSign(t, ring, "a", "ES256"))
	fresh, err := GenerateKey("a", "ES256", testSealer(t), c.now())
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.RotateKeys(ctx, "a", []store.SigningKey{fresh}, c.now(), c.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	newTok := mustSign(t, otherNode(t, keys, c), "a", "ES256")
	if _, err := ring.Verify(ctx, "a", newTok, "at+jwt"); err != nil {
		t.Fatalf("a token from the new key did not force a reload: %v", err)
	}
	if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got != fresh.KID || got == old {
		t.Fatalf("signing with %s after reload, want %s", got, fresh.KID)
	}
}

// A rotation on another node (or the CLI) reaches this node's JWKS when
// its snapshot expires, well before the new key signs.
func TestStaleSnapshotReloads(t *testing.T) {
	ring, keys, c := newRing(t)
	ctx := context.Background()
	old := kidOf(t, mustSign(t, ring, "a", "ES256"))
	r, err := otherNode(t, keys, c).Rotate(ctx, "a", time.Hour, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(kids(jwksOf(t, ring, "a")), r.Keys[0].KID) {
		t.Fatal("reloaded before the refresh interval")
	}
	c.add(testRefresh)
	if !slices.Contains(kids(jwksOf(t, ring, "a")), r.Keys[0].KID) {
		t.Fatal("the new key is not published after the refresh interval")
	}
	if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got != old {
		t.Fatalf("signing with %s before SignsFrom", got)
	}
	c.add(r.SignsFrom.Sub(c.now()))
	if got := kidOf(t, mustSign(t, ring, "a", "ES256")); got != r.Keys[0].KID {
		t.Fatalf("signing with %s at SignsFrom, want %s", got, r.Keys[0].KID)
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
		return jwttest.Forge(map[string]any{"alg": "ES256", "kid": fmt.Sprint("random-", i), "typ": "at+jwt"}, `{}`, func([]byte) []byte { return make([]byte, 64) })
	}
	reads := keys.reads.Load()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			if _, err := ring.Verify(ctx, "a", forged(i), "at+jwt"); !errors.Is(err, jose.ErrInvalidSignature) {
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
	if _, err := ring.Verify(ctx, "b-cold", tok, "at+jwt"); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, jose.ErrInvalidSignature) {
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
			if _, err := ring.Rotate(ctx, "a", time.Hour, testMaxAge); err != nil {
				t.Error(err)
			}
			c.add(time.Second)
		}
	})
	wg.Wait()
}
