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
// A nil *Throttle throttles nothing.
type Throttle struct {
	every time.Duration
	burst int
	mu    sync.Mutex
	byKey map[string]*rate.Limiter
}

// maxThrottled bounds the addresses held; past it the oldest state is
// dropped wholesale, which only forgives.
const maxThrottled = 10000

// NewThrottle allows burst failures per address, then one per every.
func NewThrottle(burst int, every time.Duration) *Throttle {
	return &Throttle{every: every, burst: burst, byKey: map[string]*rate.Limiter{}}
}

func addressOf(remoteAddr string) string {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return remoteAddr
}

// Blocked reports whether the address has no failure left, and how long
// until it has one.
func (t *Throttle) Blocked(remoteAddr string) (time.Duration, bool) {
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.byKey[addressOf(remoteAddr)]
	if !ok || l.Tokens() >= 1 {
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
	key := addressOf(remoteAddr)
	l, ok := t.byKey[key]
	if !ok {
		if len(t.byKey) >= maxThrottled {
			clear(t.byKey)
		}
		l = rate.NewLimiter(rate.Every(t.every), t.burst)
		t.byKey[key] = l
	}
	l.Allow()
}
