package adminapi

import (
	"testing"
	"time"
)

// TestThrottleHoldsFailuresInFlight: once an address has failed, checks
// that have begun and not ended hold a failure each, so parallel guesses
// get no more than what is left; a check that succeeds gives its failure
// back. Before any failure nothing is held: good tokens in parallel pass.
func TestThrottleHoldsFailuresInFlight(t *testing.T) {
	th := NewThrottle(4, time.Hour)
	for i := range 10 {
		if _, _, ok := th.Begin("192.0.2.1:999"); !ok {
			t.Fatalf("check %d in flight refused from an address that never failed", i)
		}
	}
	th = NewThrottle(4, time.Hour)
	th.Fail("192.0.2.1:999")
	var ends []func(bool)
	for i := range 3 {
		end, _, ok := th.Begin("192.0.2.1:1000")
		if !ok {
			t.Fatalf("check %d refused within the burst", i)
		}
		ends = append(ends, end)
	}
	if _, wait, ok := th.Begin("192.0.2.1:2000"); ok || wait <= 0 {
		t.Fatalf("a fourth check in flight from the same address was let through (wait %v)", wait)
	}
	if _, _, ok := th.Begin("198.51.100.7:1"); !ok {
		t.Fatal("another address is throttled too")
	}
	ends[0](false) // a good token gives its hold back
	end, _, ok := th.Begin("192.0.2.1:3000")
	if !ok {
		t.Fatal("a success did not give its failure back")
	}
	end(true)
	ends[1](true)
	ends[2](true)
	if _, _, ok := th.Begin("192.0.2.1:4000"); ok {
		t.Fatal("three failures spent, yet a check is let through")
	}
}
