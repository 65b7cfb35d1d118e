package user

import (
	"context"
	"runtime"
)

// MaxConcurrentChecks is how many argon2id verifications run at once.
var MaxConcurrentChecks = max(2, runtime.NumCPU())

// checkSlots bounds concurrent verifications: each takes DefaultParams'
// 64 MiB, so an unbounded burst of sign-ins could exhaust memory. Waiting
// ones queue instead (and the caller's context bounds the wait).
var checkSlots = make(chan struct{}, MaxConcurrentChecks)

// CheckSlot waits for a place among the concurrent password checks; call
// release when done.
func CheckSlot(ctx context.Context) (release func(), err error) {
	select {
	case checkSlots <- struct{}{}:
		return func() { <-checkSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
