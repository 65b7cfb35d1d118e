package adminapi

import (
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/registrar-dev/registrar/internal/httpapi"
)

// Throttle slows an address that presents wrong admin tokens: each
// failure spends a token of its bucket (x/time/rate), and an address
// with an empty bucket is refused before its token is even looked at.
// Checks in flight hold a failure each (Begin), so parallel guesses
// cannot all pass a bucket that none of them has spent yet. An address
// with no failure on record is not held back: automation running many
// calls at once with a good token (a Terraform run does ten) must not
// meet 429s.
//
// An address has a bucket only while it has checks in flight or failures
// on record, so good callers leave nothing behind; an IPv6 caller is
// counted by its /64 (httpapi.AddressKey).
// A nil *Throttle throttles nothing.
type Throttle struct {
	every time.Duration
	burst int
	now   func() time.Time
	mu    sync.Mutex
	byKey map[string]*bucket
}

// bucket is an address's failures: those left, less those held by
// checks in flight.
type bucket struct {
	left        *rate.Limiter
	pending     int
	lastFailure time.Time
}

func (b *bucket) available(now time.Time) bool {
	left := b.left.TokensAt(now)
	if left >= float64(b.left.Burst()) {
		return true // no failure on record
	}
	return left-float64(b.pending) >= 1
}

// idle: no check in flight and no failure on record; an absent bucket
// says the same.
func (b *bucket) idle(now time.Time) bool {
	return b.pending == 0 && b.left.TokensAt(now) >= float64(b.left.Burst())
}

// maxThrottled bounds the addresses held. Past it, idle buckets go first;
// then the eighth of those without checks in flight whose last failure is
// oldest, which only forgives the addresses that have been quiet longest.
const maxThrottled = 10000

// NewThrottle allows burst failures per address, then one per every.
func NewThrottle(burst int, every time.Duration) *Throttle {
	return &Throttle{every: every, burst: burst, now: time.Now, byKey: map[string]*bucket{}}
}

// Begin holds one of the address's failures for a check about to run:
// ok false when none is left (wait: until one is). The check's end must
// call end, saying whether it failed: a failure is spent, a success
// gives it back.
func (t *Throttle) Begin(remoteAddr string) (end func(failed bool), wait time.Duration, ok bool) {
	if t == nil {
		return func(bool) {}, 0, true
	}
	key := httpapi.AddressKey(remoteAddr)
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucketOf(key)
	if !b.available(t.now()) {
		return nil, t.every, false
	}
	b.pending++
	return func(failed bool) {
		t.mu.Lock()
		defer t.mu.Unlock()
		b.pending--
		now := t.now()
		if failed {
			b.left.AllowN(now, 1)
			b.lastFailure = now
		}
		if b.idle(now) && t.byKey[key] == b {
			delete(t.byKey, key)
		}
	}, 0, true
}

// bucketOf returns key's bucket, made full if new; t.mu held.
func (t *Throttle) bucketOf(key string) *bucket {
	if b, ok := t.byKey[key]; ok {
		return b
	}
	if len(t.byKey) >= maxThrottled {
		t.makeRoom()
	}
	b := &bucket{left: rate.NewLimiter(rate.Every(t.every), t.burst)}
	t.byKey[key] = b
	return b
}

// makeRoom forgets the idle buckets and, if that is not enough, the
// eighth of those without checks in flight whose last failure is oldest,
// so that a new address finds room without anyone's recent failures being
// forgiven wholesale. t.mu held.
func (t *Throttle) makeRoom() {
	now := t.now()
	quiet := make([]string, 0, len(t.byKey))
	for key, b := range t.byKey {
		switch {
		case b.idle(now):
			delete(t.byKey, key)
		case b.pending == 0:
			quiet = append(quiet, key)
		}
	}
	if len(t.byKey) < maxThrottled {
		return
	}
	slices.SortFunc(quiet, t.byLastFailure)
	for _, key := range quiet[:min(len(quiet), maxThrottled/8)] {
		delete(t.byKey, key)
	}
}

// byLastFailure orders keys by their bucket's last failure, oldest first.
func (t *Throttle) byLastFailure(a, b string) int {
	return t.byKey[a].lastFailure.Compare(t.byKey[b].lastFailure)
}
