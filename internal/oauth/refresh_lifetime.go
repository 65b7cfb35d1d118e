package oauth

import (
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// refreshLifetime says when a refresh token minted at now expires, and
// when its grant ends. A new grant (grantEnd zero) ends when its first
// refresh token expires. A rotated token gets the lifetime again, so one
// left unused that long dies (RFC 9700 §4.14.2), but never past the
// grant's end: otherwise a client could keep the grant alive forever by
// refreshing. That end is the grant's absolute lifetime
// (docs/design-notes.md).
func refreshLifetime(now time.Time, ttl time.Duration, grantEnd time.Time) (expires, end time.Time) {
	expires = now.Add(ttl)
	if grantEnd.IsZero() {
		return expires, expires
	}
	if expires.After(grantEnd) {
		expires = grantEnd
	}
	return expires, grantEnd
}

// familyEnd is when the grant of the refresh token rt ends. A token stored
// before grants kept their end counts its own expiry as the end, so such a
// grant lives no longer than it would have without refreshing.
func familyEnd(rt store.Token) time.Time {
	if rt.GrantExpiresAt.IsZero() {
		return rt.ExpiresAt
	}
	return rt.GrantExpiresAt
}
