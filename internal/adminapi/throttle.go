package adminapi

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows an address that presents wrong admin tokens: each
// failure spends a token of its bucket (x/time/rate), and an address
// with an empty bucket is refused before its token is even looked at.
// Once an address has failed, checks in flight hold a failure each
// (Begin), so parallel guesses cannot all pass a bucket that none of them
// has spent yet. An address with no failure on record is not held back:
// automation running many calls at once with a good token (a Terraform
// run does ten) must not meet 429s.
// A nil *Throttle throttles nothing.
type Throttle struct {
	every time.Duration
	burst int
	mu    sync.Mutex
	byKey map[string]*bucket
}

// bucket is an address's failures: those left, less those held by
// checks in flight.
type bucket struct {
	left    *rate.Limiter
	pending int
}

func (b *bucket) available() bool {
	left := b.left.Tokens()
	if left >= float64(b.left.Burst()) {
		return true // no failure on record
	}
	return left-float64(b.pending) >= 1
}

// maxThrottled bounds the addresses held; past it the oldest state is
// dropped wholesale, which only forgives.
const maxThrottled = 10000

// NewThrottle allows burst failures per address, then one per every.
func NewThrottle(burst int, every time.Duration) *Throttle {
	return &Throttle{every: every, burst: burst, byKey: map[string]*bucket{}}
}

func addressOf(remoteAddr string) string {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return remoteAddr
}

// bucketOf returns the address's bucket, made full if new; t.mu held.
func (t *Throttle) bucketOf(remoteAddr string) *bucket {
	key := addressOf(remoteAddr)
	b, ok := t.byKey[key]
	if !ok {
		if len(t.byKey) >= maxThrottled {
			clear(t.byKey)
		}
		b = &bucket{left: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.byKey[key] = b
	}
	return b
}

// Blocked reports whether the address has no failure left, and how long
// until it has one.
func (t *Throttle) Blocked(remoteAddr string) (time.Duration, bool) {
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bucketOf(remoteAddr).available() {
		return 0, false
	}
	return t.every, true
}

// Fail spends one of the address's failures.
func (t *Throttle) Fail(remoteAddr string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bucketOf(remoteAddr).left.Allow()
}

// Begin holds one of the address's failures for a check about to run:
// ok false when none is left (wait: until one is). The check's end must
// call end, saying whether it failed: a failure is spent, a success
// gives it back.
func (t *Throttle) Begin(remoteAddr string) (end func(failed bool), wait time.Duration, ok bool) {
	if t == nil {
		return func(bool) {}, 0, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucketOf(remoteAddr)
	if !b.available() {
		return nil, t.every, false
	}
	b.pending++
	return func(failed bool) {
		t.mu.Lock()
		defer t.mu.Unlock()
		b.pending--
		if failed {
			b.left.Allow()
		}
	}, 0, true
}
