package registration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// TestRateLimitBurstThenRetryAfter: a minute's worth passes at once, the
// next is refused with how long to wait, and waiting that long is enough.
func TestRateLimitBurstThenRetryAfter(t *testing.T) {
	l := NewLimits(20, 0, 0)
	for i := range 20 {
		if wait := l.admit("192.0.2.1:5000", "", t0); wait != 0 {
			t.Fatalf("request %d refused (wait %s) within the burst", i+1, wait)
		}
	}
	wait := l.admit("192.0.2.1:5001", "", t0)
	if wait <= 0 || wait > 3*time.Second {
		t.Fatalf("21st request: wait %s, want refused for 3s at most (20 a minute)", wait)
	}
	if again := l.admit("192.0.2.1:5002", "", t0.Add(wait-time.Millisecond)); again <= 0 {
		t.Error("a retry before Retry-After passed")
	}
	if again := l.admit("192.0.2.1:5003", "", t0.Add(wait)); again != 0 {
		t.Errorf("a retry after Retry-After refused: wait %s", again)
	}
}

// TestRateLimitKeysAreIndependent: one address's or one token's flood
// leaves other addresses and tokens alone; a token is limited whatever
// address it comes from; an IPv6 caller is one /64.
func TestRateLimitKeysAreIndependent(t *testing.T) {
	l := NewLimits(3, 2, 0)
	for range 3 {
		l.admit("192.0.2.1:1", "", t0)
	}
	if l.admit("192.0.2.1:1", "", t0) == 0 {
		t.Fatal("the flooding address is not limited")
	}
	if wait := l.admit("192.0.2.2:1", "", t0); wait != 0 {
		t.Errorf("another address is limited: %s", wait)
	}
	if wait := l.admit("192.0.2.3:1", "tokA", t0); wait != 0 {
		t.Errorf("a token from a fresh address: %s", wait)
	}
	l.admit("192.0.2.4:1", "tokA", t0)
	if l.admit("192.0.2.5:1", "tokA", t0) == 0 {
		t.Error("a token's third use a minute, from a third address, passed a limit of 2")
	}
	if wait := l.admit("192.0.2.5:1", "tokB", t0); wait != 0 {
		t.Errorf("another token from the same address is limited: %s (a refused request must take nothing)", wait)
	}
	for i := range 3 {
		l.admit(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "", t0)
	}
	if l.admit("[2001:db8:1:2::ffff]:443", "", t0) == 0 {
		t.Error("a new address in the same IPv6 /64 started a fresh counter")
	}
	if wait := l.admit("[2001:db8:1:3::1]:443", "", t0); wait != 0 {
		t.Errorf("another /64 is limited: %s", wait)
	}
}

// TestRateLimitForgetsIdleKeys: a key whose bucket is full again is
// dropped, and the table never holds more than its cap.
func TestRateLimitForgetsIdleKeys(t *testing.T) {
	l := newKeyedLimiter(60, 5)
	for i := range 5 {
		l.reserve(fmt.Sprint("k", i), t0)
	}
	if n := l.size(); n != 5 {
		t.Fatalf("%d keys held, want 5", n)
	}
	l.reserve("late", t0.Add(2*time.Second)) // after one refill of a one-request bucket
	if n := l.size(); n != 1 {
		t.Errorf("%d keys held after the others went idle, want 1", n)
	}
	for i := range 20 {
		l.reserve(fmt.Sprint("busy", i), t0.Add(2*time.Second))
	}
	if n := l.size(); n > 5 {
		t.Errorf("%d keys held, over the cap of 5", n)
	}
}

// TestRateLimitedRequestAnswers429: the handler answers RFC 6585's 429
// with Retry-After and the OAuth error JSON, and neither audits it nor
// reads its body.
func TestRateLimitedRequestAnswers429(t *testing.T) {
	f := newFixture(t)
	f.svc.Limits = NewLimits(1, 0, 0)
	f.serve(t, "POST", "/acme/oauth2/register", "application/json", "", goodBody)
	before := f.audit(t)
	w := f.serve(t, "POST", "/acme/oauth2/register", "text/plain", "", "not even JSON")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("got %d Retry-After %q, want 429 Retry-After 60: %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	var body map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] != "slow_down" || body["error_description"] == "" {
		t.Errorf("body %s, want slow_down JSON", w.Body)
	}
	if after := f.audit(t); len(after) != len(before) {
		t.Errorf("a rate-limited request was audited: %+v", after[0])
	}
}

// TestDenialsAuditedOneByOneUpToALimit: past the set number of
// refusals from one address in a minute, the rest are counted, and the
// count is written with the next one audited.
func TestDenialsAuditedOneByOneUpToALimit(t *testing.T) {
	f := newFixture(t)
	const perMinute = 10
	f.svc.Limits = NewLimits(0, 0, perMinute)
	for range perMinute + 5 {
		f.serve(t, "POST", "/acme/oauth2/register", "application/json", "Bearer nope", goodBody)
	}
	if n := len(f.audit(t)); n != perMinute {
		t.Fatalf("%d refusals audited, want %d", n, perMinute)
	}
	f.now = f.now.Add(time.Minute)
	f.serve(t, "POST", "/acme/oauth2/register", "application/json", "Bearer nope", goodBody)
	events := f.audit(t)
	if want := "invalid_token: [5 earlier refusals from this address not audited one by one] "; len(events) != perMinute+1 || events[0].Reason[:len(want)] != want {
		t.Errorf("latest event %q, want it to start %q", events[0].Reason, want)
	}
}

func (f *fixture) audit(tb testing.TB) []store.AuditEvent {
	tb.Helper()
	events, err := f.store.ListAuditEvents(tb.Context(), f.ws.Name, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return events
}

// TestRateLimitPerBearerToken: the handler keys the per-token limit on
// the bearer presented, whatever the address, and another token is not
// limited.
func TestRateLimitPerBearerToken(t *testing.T) {
	f := newFixture(t)
	f.svc.Limits = NewLimits(0, 2, 0)
	for range 2 {
		f.serve(t, "POST", "/acme/oauth2/register", "application/json", "Bearer one", goodBody)
	}
	if w := f.serve(t, "POST", "/acme/oauth2/register", "application/json", "Bearer one", goodBody); w.Code != http.StatusTooManyRequests {
		t.Errorf("a token's third request a minute: %d, want 429", w.Code)
	}
	if w := f.serve(t, "POST", "/acme/oauth2/register", "application/json", "Bearer two", goodBody); w.Code == http.StatusTooManyRequests {
		t.Error("another token is limited")
	}
}

// size is how many keys are held.
func (l *keyedLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
