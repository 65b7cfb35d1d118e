package adminapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/httpapi"
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
	th.failTimes("192.0.2.1:999", 1)
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

// TestThrottleCountsAWaveInFlightFromItsFirstFailure: the checks of a
// first parallel wave hold a failure each from the start, so once one of
// them has failed, no further check passes while the wave is in flight.
func TestThrottleCountsAWaveInFlightFromItsFirstFailure(t *testing.T) {
	th := NewThrottle(10, time.Hour)
	var ends []func(bool)
	for i := range 20 {
		end, _, ok := th.Begin("192.0.2.1:1")
		if !ok {
			t.Fatalf("check %d of a first wave refused", i)
		}
		ends = append(ends, end)
	}
	ends[0](true)
	if _, _, ok := th.Begin("192.0.2.1:2"); ok {
		t.Fatal("a check let through while 19 in flight hold the 9 failures left")
	}
}

// TestThrottleNeverHoldsBackAnAddressWithNothingOnRecord: an address whose
// failures are long forgiven is not held back by its checks in flight.
func TestThrottleNeverHoldsBackAnAddressWithNothingOnRecord(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := NewThrottle(3, time.Hour)
	th.now = func() time.Time { return clock }
	th.failTimes("192.0.2.1:1", 1)
	clock = clock.Add(3 * time.Hour)
	for i := range 10 {
		if _, _, ok := th.Begin("192.0.2.1:1"); !ok {
			t.Fatalf("check %d in flight refused; the one failure was forgiven hours ago", i)
		}
	}
}

// TestThrottleKeepsNothingForGoodCallers: checks that pass, from any
// number of addresses, leave no state behind to grow or to be evicted.
func TestThrottleKeepsNothingForGoodCallers(t *testing.T) {
	th := NewThrottle(4, time.Hour)
	for i := range 2 * maxThrottled {
		addr := fmt.Sprintf("10.%d.%d.%d:443", i>>16&255, i>>8&255, i&255)
		end, _, ok := th.Begin(addr)
		if !ok {
			t.Fatalf("%s refused without a failure", addr)
		}
		end(false)
	}
	if n := len(th.byKey); n != 0 {
		t.Fatalf("%d buckets kept for callers that never failed", n)
	}
}

// TestThrottleCountsIPv6ByItsSlash64: a caller given a /64 cannot get a
// fresh budget by moving to another address in it.
func TestThrottleCountsIPv6ByItsSlash64(t *testing.T) {
	th := NewThrottle(3, time.Hour)
	for i := range 3 {
		th.failTimes(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), 1)
	}
	if !th.blocked("[2001:db8:1:2:ffff:ffff:ffff:ffff]:1") {
		t.Fatal("another address of the same /64 has a budget of its own")
	}
	if _, _, ok := th.Begin("[2001:db8:1:3::1]:443"); !ok {
		t.Fatal("a neighbouring /64 is throttled too")
	}
}

// TestThrottleMakesRoomWithoutForgivingRecentFailures: a full table
// forgives the addresses that have been quiet longest, never all of them
// and never one with a check in flight, and a bucket that has filled up
// again is forgotten.
func TestThrottleMakesRoomWithoutForgivingRecentFailures(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := NewThrottle(3, time.Hour)
	th.now = func() time.Time { return clock }
	addr := func(i int) string { return fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255) }
	tick := func() { clock = clock.Add(time.Microsecond) }
	th.failTimes(addr(0), 2) // the oldest failures, with a check in flight when room is made
	inFlight, _, ok := th.Begin(addr(0))
	if !ok {
		t.Fatal("the last failure left was refused")
	}
	for i := 1; i < maxThrottled-1; i++ {
		tick()
		th.failTimes(addr(i), 3)
	}
	const victim = "192.0.2.9:1"
	tick()
	th.failTimes(victim, 3)
	tick()
	th.failTimes("198.51.100.1:1", 3) // the table is full: room is made
	if !th.blocked(victim) {
		t.Fatal("making room forgave a recent failure")
	}
	if !th.blocked("198.51.100.1:1") {
		t.Fatal("the failure that needed room was not recorded")
	}
	if th.blocked(addr(1)) {
		t.Fatal("the address quiet longest was kept while the table was full")
	}
	if !th.blocked(addr(maxThrottled / 4)) {
		t.Fatal("making room forgave more than the oldest eighth")
	}
	inFlight(true)
	if !th.blocked(addr(0)) {
		t.Fatal("making room dropped an address with a check in flight: its failure was lost")
	}
	clock = clock.Add(4 * time.Hour)
	end, _, ok := th.Begin(victim)
	if !ok {
		t.Fatal("still blocked after its bucket filled up again")
	}
	end(false)
	if _, ok := th.byKey[httpapi.AddressKey(victim)]; ok {
		t.Fatal("a bucket that filled up again is still held")
	}
}

// failTimes records n failed checks from remoteAddr.
func (t *Throttle) failTimes(remoteAddr string, n int) {
	for range n {
		end, _, ok := t.Begin(remoteAddr)
		if !ok {
			panic("failTimes: " + remoteAddr + " has no failure left")
		}
		end(true)
	}
}

// blocked reports whether the address has no failure left.
func (t *Throttle) blocked(remoteAddr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.byKey[httpapi.AddressKey(remoteAddr)]
	return ok && !b.available(t.now())
}
