package adminapi

import (
	"net/netip"
	"slices"
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
//
// Only addresses with a failure on record have a bucket, so good callers
// leave nothing behind; an IPv6 caller is counted by its /64, the block
// one subscriber is usually given, or it could try from a new address
// each time. A bucket that has filled up again is forgotten.
// A nil *Throttle throttles nothing.
type Throttle struct {
	every time.Duration
	burst int
	now   func() time.Time
	mu    sync.Mutex
	// failed holds the buckets of the addresses with a failure on record.
	failed map[string]*bucket
}

// bucket is an address's failures: those left, less those held by
// checks in flight.
type bucket struct {
	left        *rate.Limiter
	pending     int
	lastFailure time.Time
}

func (b *bucket) available(now time.Time) bool {
	return b.left.TokensAt(now)-float64(b.pending) >= 1
}

// recovered: nothing on record any more that an absent bucket would not say.
func (b *bucket) recovered(now time.Time) bool {
	return b.pending == 0 && b.left.TokensAt(now) >= float64(b.left.Burst())
}

// maxThrottled bounds the addresses held. Past it, buckets that have
// filled up again go first; then the eighth whose last failure is oldest,
// which only forgives the addresses that have been quiet longest.
const maxThrottled = 10000

// NewThrottle allows burst failures per address, then one per every.
func NewThrottle(burst int, every time.Duration) *Throttle {
	return &Throttle{every: every, burst: burst, now: time.Now, failed: map[string]*bucket{}}
}

func addressOf(remoteAddr string) string {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return remoteAddr
}

// throttleKey is what an address's failures are counted under: the
// address, or for IPv6 its /64.
func throttleKey(remoteAddr string) string {
	addr, err := netip.ParseAddr(addressOf(remoteAddr))
	if err != nil || addr.Is4() {
		return addressOf(remoteAddr)
	}
	prefix, _ := addr.Prefix(64)
	return prefix.String()
}

// fail spends one of the address's failures.
func (t *Throttle) fail(remoteAddr string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spend(t.bucketOf(throttleKey(remoteAddr)))
}

// Begin holds one of the address's failures for a check about to run:
// ok false when none is left (wait: until one is). The check's end must
// call end, saying whether it failed: a failure is spent, a success
// gives it back.
func (t *Throttle) Begin(remoteAddr string) (end func(failed bool), wait time.Duration, ok bool) {
	if t == nil {
		return func(bool) {}, 0, true
	}
	key := throttleKey(remoteAddr)
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.held(key)
	if b == nil {
		return func(failed bool) {
			if failed {
				t.fail(remoteAddr)
			}
		}, 0, true
	}
	if !b.available(t.now()) {
		return nil, t.every, false
	}
	b.pending++
	return func(failed bool) {
		t.mu.Lock()
		defer t.mu.Unlock()
		b.pending--
		if failed {
			t.spend(b)
		}
	}, 0, true
}

// held returns key's bucket, if it has one that says more than no
// bucket would; one that has filled up again is forgotten. t.mu held.
func (t *Throttle) held(key string) *bucket {
	b, ok := t.failed[key]
	if ok && b.recovered(t.now()) {
		delete(t.failed, key)
		return nil
	}
	return b
}

// spend records a failure on b; t.mu held.
func (t *Throttle) spend(b *bucket) {
	now := t.now()
	b.left.AllowN(now, 1)
	b.lastFailure = now
}

// bucketOf returns key's bucket, made full if new; t.mu held.
func (t *Throttle) bucketOf(key string) *bucket {
	if b, ok := t.failed[key]; ok {
		return b
	}
	if len(t.failed) >= maxThrottled {
		t.makeRoom()
	}
	b := &bucket{left: rate.NewLimiter(rate.Every(t.every), t.burst)}
	t.failed[key] = b
	return b
}

// makeRoom forgets the buckets that have filled up again and, if that
// is not enough, the eighth whose last failure is oldest, so that a new
// failure finds room without anyone's recent failures being forgiven
// wholesale. Buckets with checks in flight stay. t.mu held.
func (t *Throttle) makeRoom() {
	now := t.now()
	quiet := make([]string, 0, len(t.failed))
	for key, b := range t.failed {
		switch {
		case b.recovered(now):
			delete(t.failed, key)
		case b.pending == 0:
			quiet = append(quiet, key)
		}
	}
	if len(t.failed) < maxThrottled {
		return
	}
	slices.SortFunc(quiet, func(a, b string) int { return t.failed[a].lastFailure.Compare(t.failed[b].lastFailure) })
	for _, key := range quiet[:min(len(quiet), maxThrottled/8)] {
		delete(t.failed, key)
	}
}
