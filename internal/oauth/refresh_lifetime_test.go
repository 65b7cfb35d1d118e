package oauth

import (
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

func TestRefreshLifetime(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name                 string
		now                  time.Time
		ttl, idle            time.Duration
		grantEnd             time.Time
		wantExpires, wantEnd time.Time
	}{
		{"a new grant ends with its first token", start, 30 * day, 0, time.Time{}, start.Add(30 * day), start.Add(30 * day)},
		{"a rotation gets no time past the grant's end", start.Add(10 * day), 30 * day, 0, start.Add(30 * day), start.Add(30 * day), start.Add(30 * day)},
		{"a shorter lifetime still applies", start.Add(10 * day), day, 0, start.Add(30 * day), start.Add(11 * day), start.Add(30 * day)},
		{"an idle lifetime ends a new grant's first token, not the grant", start, 30 * day, day, time.Time{}, start.Add(day), start.Add(30 * day)},
		{"an idle lifetime gives a rotated token that long", start.Add(10 * day), 30 * day, day, start.Add(30 * day), start.Add(11 * day), start.Add(30 * day)},
		{"an idle lifetime stops at the grant's end", start.Add(29*day + 12*time.Hour), 30 * day, day, start.Add(30 * day), start.Add(30 * day), start.Add(30 * day)},
		{"an idle lifetime past the lifetime gives no more", start, day, 30 * day, time.Time{}, start.Add(day), start.Add(day)},
	} {
		expires, end := refreshLifetime(tc.now, tc.ttl, tc.idle, tc.grantEnd)
		if !expires.Equal(tc.wantExpires) || !end.Equal(tc.wantEnd) {
			t.Errorf("%s: expires %v, end %v; want %v, %v", tc.name, expires, end, tc.wantExpires, tc.wantEnd)
		}
	}
}

func TestFamilyEndOfATokenStoredWithoutOne(t *testing.T) {
	exp := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if got := familyEnd(store.Token{ExpiresAt: exp}); !got.Equal(exp) {
		t.Fatalf("familyEnd %v; want the token's own expiry %v", got, exp)
	}
	end := exp.Add(time.Hour)
	if got := familyEnd(store.Token{ExpiresAt: exp, GrantExpiresAt: end}); !got.Equal(end) {
		t.Fatalf("familyEnd %v; want the recorded %v", got, end)
	}
}

func TestAccessTokenOfAGrantEndsWithIt(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	for _, tc := range []struct {
		notAfter time.Time
		want     time.Duration
	}{
		{time.Time{}, 10 * time.Minute},
		{now.Add(time.Hour), 10 * time.Minute},
		{now.Add(90*time.Second + 500*time.Millisecond), 90 * time.Second},
		{now.Add(100 * time.Millisecond), time.Second},
	} {
		if got := ttlUntil(now, 10*time.Minute, tc.notAfter); got != tc.want {
			t.Errorf("ttlUntil(notAfter %v) = %v, want %v", tc.notAfter.Sub(now), got, tc.want)
		}
	}
}
