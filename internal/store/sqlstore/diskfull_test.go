package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/registrar-dev/registrar/internal/fault"
)

// errNoSpace stands for a backend's "disk full" (SQLITE_FULL, SQLSTATE
// 53100).
var errNoSpace = errors.New("database or disk is full")

// TestDiskFullIsUnavailable: a write failing for want of space is an
// outage the client retries (503), not our 500, and Ping reports the
// store unready until DiskFullHold has passed.
func TestDiskFullIsUnavailable(t *testing.T) {
	s, _ := testStore(t, Dialect{
		IsUnique:      func(error) bool { return false },
		IsRetryable:   func(error) bool { return false },
		IsUnavailable: func(error) bool { return false },
		IsFull:        func(err error) bool { return errors.Is(err, errNoSpace) },
	})
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping before any failure: %v", err)
	}
	if err := s.wrap(errNoSpace); !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("a full disk wrapped as %v; want unavailable", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("ping just after a full disk: %v; want unavailable", err)
	}
	s.diskFullAt.Add(-int64(DiskFullHold)) // as if the hold had passed
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after the hold: %v", err)
	}
}
