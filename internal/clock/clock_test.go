package clock

import (
	"bytes"
	"testing"
	"time"
)

func TestZeroSourceIsTheSystems(t *testing.T) {
	var s Source
	before := time.Now().UTC().Add(-time.Second)
	if got := s.Time(); got.Before(before) || got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
		t.Fatalf("Time() = %v: want now, in UTC, to the microsecond", got)
	}
	if s.Random() == nil {
		t.Fatal("Random() is nil")
	}
}

func TestInjectedSource(t *testing.T) {
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.FixedZone("x", 3600))
	r := bytes.NewReader([]byte{1, 2, 3})
	s := Source{Now: func() time.Time { return fixed }, Rand: r}
	if want := fixed.UTC().Truncate(time.Microsecond); !s.Time().Equal(want) || s.Time().Location() != time.UTC {
		t.Fatalf("Time() = %v, want %v", s.Time(), want)
	}
	if s.Random() != r {
		t.Fatal("Random() is not the injected reader")
	}
}
