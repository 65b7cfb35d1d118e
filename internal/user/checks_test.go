package user

import (
	"context"
	"errors"
	"testing"
)

// Past MaxConcurrentChecks, a check waits for a slot, and gives up when
// its context ends.
func TestCheckSlotBoundsConcurrentChecks(t *testing.T) {
	var releases []func()
	for range MaxConcurrentChecks {
		release, err := CheckSlot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CheckSlot(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a check beyond the limit: %v; want it to wait until its context ends", err)
	}
	releases[0]()
	release, err := CheckSlot(context.Background())
	if err != nil {
		t.Fatalf("a check once a slot is free: %v", err)
	}
	release()
	for _, r := range releases[1:] {
		r()
	}
}
