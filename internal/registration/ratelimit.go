package registration

import (
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
)

// Limits are a node's rate limits on the registration endpoints (RFC 7591
// registration and RFC 7592 read, update and delete alike): one counter
// per caller address and one per bearer token, and a bound on the denied
// requests audited one by one. They live in the node's memory: with N
// nodes behind a balancer a caller gets up to N times the limit, which
// still bounds what it can store, and costs no database write per request.
// A nil *Limits limits nothing.
type Limits struct {
	perAddress *keyedLimiter
	perToken   *keyedLimiter
	// deniedAudit bounds the refusals audited row by row per address.
	deniedAudit *keyedLimiter
}

// Each counter set holds at most this many keys (~200 bytes each).
const maxLimiterKeys = 100_000

// NewLimits makes the limits: perAddress and perToken are requests a
// minute (0: no limit), each with a minute's worth as its burst.
// deniedAudit is how many refused requests from one address are audited
// one by one each minute (0: all); the rest are counted, and the count is
// written with the next refusal audited for that address.
func NewLimits(perAddress, perToken, deniedAudit int) *Limits {
	return &Limits{
		perAddress:  newKeyedLimiter(perAddress, maxLimiterKeys),
		perToken:    newKeyedLimiter(perToken, maxLimiterKeys),
		deniedAudit: newKeyedLimiter(deniedAudit, maxLimiterKeys),
	}
}

// admit takes one request from the caller at addr presenting tokenKey
// ("" when no token was presented). It returns zero when both counters
// allow it, or how long until both would; a refused request takes
// nothing from either counter, so waiting that long is enough.
func (l *Limits) admit(addr, tokenKey string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	a := l.perAddress.reserve(httpapi.AddressKey(addr), now)
	t := l.perToken.reserve(tokenKey, now)
	wait := max(a.delay(now), t.delay(now))
	if wait > 0 {
		a.cancel(now)
		t.cancel(now)
	}
	return wait
}

// auditDenial says whether a refusal from addr is audited on its own and,
// when it is, how many refusals from addr went unaudited since the last
// one that was.
func (l *Limits) auditDenial(addr string, now time.Time) (write bool, skipped int) {
	if l == nil {
		return true, 0
	}
	return l.deniedAudit.sample(httpapi.AddressKey(addr), now)
}

// tokenLimitKey keys a bearer token's counter on its keyed hash, so the
// node's memory never holds the value.
func tokenLimitKey(h *secret.Hasher, bearer string) string {
	if bearer == "" || bearer == malformedBearer || h == nil {
		return ""
	}
	return hex.EncodeToString(h.Hash("registration_rate_limit", bearer))
}

// errSlowDown is the answer to a rate-limited request. RFC 6585 §4 gives
// the status, 429, and Retry-After; the body keeps the OAuth error format,
// with slow_down, the registered OAuth error code (RFC 8628 §3.5) whose
// meaning is "asking too often, wait". invalid_request would tell the
// client its request is wrong; temporarily_unavailable (503) that the
// server is, and a balancer may act on it.
func errSlowDown(wait time.Duration) *oautherr.Error {
	return oautherr.New(oautherr.SlowDown, "too many registration requests; retry after %d seconds", retryAfterSeconds(wait))
}

// retryAfterSeconds rounds wait up to the whole seconds of Retry-After.
func retryAfterSeconds(wait time.Duration) int {
	return int((wait + time.Second - 1) / time.Second)
}

// RetryAfter is the Retry-After header value for wait.
func RetryAfter(wait time.Duration) string { return strconv.Itoa(retryAfterSeconds(wait)) }

// keyedLimiter is a token bucket (x/time/rate) per key. A bucket back to
// full is the same as a new one, so it is dropped: memory holds only the
// keys active within the last refill time, and never more than max. A
// nil *keyedLimiter allows everything.
type keyedLimiter struct {
	limit rate.Limit
	burst int
	max   int
	mu    sync.Mutex
	keys  map[string]*keyState
	swept time.Time
}

type keyState struct {
	bucket *rate.Limiter
	// skipped counts the requests refused since the last one allowed
	// (see sample).
	skipped int
}

func newKeyedLimiter(perMinute, maxKeys int) *keyedLimiter {
	if perMinute <= 0 {
		return nil
	}
	return &keyedLimiter{
		limit: rate.Limit(float64(perMinute) / 60), burst: perMinute, max: maxKeys,
		keys: map[string]*keyState{},
	}
}

// reservation is one request taken from a key's bucket, or nothing.
type reservation struct{ r *rate.Reservation }

func (r reservation) delay(now time.Time) time.Duration {
	if r.r == nil {
		return 0
	}
	return r.r.DelayFrom(now)
}

func (r reservation) cancel(now time.Time) {
	if r.r != nil {
		r.r.CancelAt(now)
	}
}

// reserve takes one request from key's bucket at now; the caller cancels
// it if the request is refused after all.
func (l *keyedLimiter) reserve(key string, now time.Time) reservation {
	if l == nil || key == "" {
		return reservation{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return reservation{l.state(key, now).bucket.ReserveN(now, 1)}
}

// sample allows key's request if its bucket has room, returning how many
// were refused since the last allowed one; otherwise counts it refused.
func (l *keyedLimiter) sample(key string, now time.Time) (allowed bool, skipped int) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.state(key, now)
	if !st.bucket.AllowN(now, 1) {
		st.skipped++
		return false, 0
	}
	skipped, st.skipped = st.skipped, 0
	return true, skipped
}

// state returns key's state, making room for it if it is new. l.mu is held.
func (l *keyedLimiter) state(key string, now time.Time) *keyState {
	if st, ok := l.keys[key]; ok {
		return st
	}
	if now.Sub(l.swept) >= l.refill() || len(l.keys) >= l.max {
		l.sweep(now)
	}
	if len(l.keys) >= l.max {
		// Every key is busy: drop one at random (map order is), rather
		// than refuse every newcomer, which would let whoever fills the
		// table lock everyone else out.
		for k := range l.keys {
			delete(l.keys, k)
			break
		}
	}
	st := &keyState{bucket: rate.NewLimiter(l.limit, l.burst)}
	l.keys[key] = st
	return st
}

// refill is how long an empty bucket takes to fill.
func (l *keyedLimiter) refill() time.Duration {
	return time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
}

// sweep drops the keys whose buckets are full again, unless they hold a
// count of skipped requests still to report.
func (l *keyedLimiter) sweep(now time.Time) {
	l.swept = now
	for k, st := range l.keys {
		if st.skipped == 0 && st.bucket.TokensAt(now) >= float64(l.burst) {
			delete(l.keys, k)
		}
	}
}
