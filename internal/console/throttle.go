package console

import (
	"sync"
	"time"
)

// maxThrottled bounds the addresses a Throttle remembers; past it the
// window starts over for all, which only ever lets more attempts in.
const maxThrottled = 10_000

// Throttle allows at most n attempts per key in each window (a fixed
// window: a guesser of 256-bit tokens gains nothing from its edges).
type Throttle struct {
	n      int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

// NewThrottle allows n attempts per key per window.
func NewThrottle(n int, window time.Duration) *Throttle {
	return &Throttle{n: n, window: window, now: time.Now, counts: map[string]int{}}
}

// Allow counts an attempt for key and reports whether it may proceed.
func (t *Throttle) Allow(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if now.Sub(t.start) >= t.window || len(t.counts) >= maxThrottled {
		t.start, t.counts = now, map[string]int{}
	}
	t.counts[key]++
	return t.counts[key] <= t.n
}
