// Package clock is the time and randomness a service runs on, injected so
// that tests are deterministic. The zero Source is the system's (see Now).
package clock

import (
	"crypto/rand"
	"io"
	"time"
)

// Source gives a service its notion of now and its random bytes.
type Source struct {
	Now  func() time.Time
	Rand io.Reader
}

// Time is now in UTC, truncated to microseconds: what both stores keep, so
// a value read back equals the one written.
func (s Source) Time() time.Time {
	now := s.Now
	if now == nil {
		now = Now
	}
	return now().UTC().Truncate(time.Microsecond)
}

// Now is the system's time, what the zero Source and the code outside the
// services read: time.Now, except in a binary built with the testclock tag,
// where an end-to-end test can move it (see testclock.go).
func Now() time.Time { return systemNow() }

// Random is the source of secrets and ids.
func (s Source) Random() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}
