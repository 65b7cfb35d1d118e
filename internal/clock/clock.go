// Package clock is the time and randomness a service runs on, injected so
// that tests are deterministic. The zero Source is the system's.
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
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Random is the source of secrets and ids.
func (s Source) Random() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}
