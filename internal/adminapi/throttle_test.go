package adminapi

import (
	"fmt"
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
	th.fail("192.0.2.1:999")
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

// TestThrottleKeepsNothingForGoodCallers: checks that pass, from any
// number of addresses, leave no state behind to grow or to be evicted.
func TestThrottleKeepsNothingForGoodCallers(t *testing.T) {
	th := NewThrottle(4, time.Hour)
	for i := range 2 * maxThrottled {
		addr := fmt.Sprintf("10.%d.%d.%d:443", i>>16&255, i>>8&255, i&255)
		if _, blocked := th.blocked(addr); blocked {
			t.Fatalf("%s blocked without a failure", addr)
		}
		end, _, ok := th.Begin(addr)
		if !ok {
			t.Fatalf("%s refused without a failure", addr)
		}
		end(false)
	}
	if n := len(th.failed); n != 0 {
		t.Fatalf("%d buckets kept for callers that never failed", n)
	}
}

// TestThrottleCountsIPv6ByItsSlash64: a caller given a /64 cannot get a
// fresh budget by moving to another address in it.
func TestThrottleCountsIPv6ByItsSlash64(t *testing.T) {
	th := NewThrottle(3, time.Hour)
	for i := range 3 {
		end, _, ok := th.Begin(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1))
		if !ok {
			t.Fatalf("failure %d refused within the burst", i)
		}
		end(true)
	}
	if _, blocked := th.blocked("[2001:db8:1:2:ffff:ffff:ffff:ffff]:1"); !blocked {
		t.Fatal("another address of the same /64 has a budget of its own")
	}
	if _, _, ok := th.Begin("[2001:db8:1:3::1]:443"); !ok {
		t.Fatal("a neighbouring /64 is throttled too")
	}
	if key := throttleKey("[::ffff:192.0.2.1]:443"); key != "192.0.2.1" {
		t.Fatalf("an IPv4-mapped address is counted as %q, not as its IPv4 address", key)
	}
}

// TestThrottleMakesRoomWithoutForgivingRecentFailures: a full table
// forgives the addresses that have been quiet longest, never all of them,
// and a bucket that has filled up again is forgotten.
func TestThrottleMakesRoomWithoutForgivingRecentFailures(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := NewThrottle(2, time.Hour)
	th.now = func() time.Time { return clock }
	failTwice := func(addr string) {
		clock = clock.Add(time.Microsecond)
		th.fail(addr)
		th.fail(addr)
	}
	addr := func(i int) string { return fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255) }
	for i := range maxThrottled - 1 {
		failTwice(addr(i))
	}
	const victim = "192.0.2.9:1"
	failTwice(victim)
	failTwice("198.51.100.1:1") // the table is full: room is made
	if _, blocked := th.blocked(victim); !blocked {
		t.Fatal("making room forgave a recent failure")
	}
	if _, blocked := th.blocked("198.51.100.1:1"); !blocked {
		t.Fatal("the failure that needed room was not recorded")
	}
	if _, blocked := th.blocked(addr(0)); blocked {
		t.Fatal("the address quiet longest was kept while the table was full")
	}
	if _, blocked := th.blocked(addr(maxThrottled / 4)); !blocked {
		t.Fatal("making room forgave more than the oldest eighth")
	}
	if n, want := len(th.failed), maxThrottled-maxThrottled/8+1; n != want {
		t.Fatalf("%d buckets after making room, want %d", n, want)
	}
	clock = clock.Add(2 * time.Hour)
	if _, blocked := th.blocked(victim); blocked {
		t.Fatal("still blocked after its bucket filled up again")
	}
	if _, ok := th.failed[throttleKey(victim)]; ok {
		t.Fatal("a bucket that filled up again is still held")
	}
}

// blocked reports, for the tests, whether the address has no failure left, and how long
// until it has one.
func (t *Throttle) blocked(remoteAddr string) (time.Duration, bool) {
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.held(throttleKey(remoteAddr))
	if b == nil || b.available(t.now()) {
		return 0, false
	}
	return t.every, true
}
