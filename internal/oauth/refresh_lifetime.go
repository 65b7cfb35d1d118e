package oauth

import (
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// refreshLifetime says when a refresh token minted at now expires, and
// when its grant ends. A new grant (grantEnd zero) ends ttl from now. Each
// token, the first and every rotated one (where tokens are kept, each use
// of it), gets the lifetime again, or idle when that is set and shorter
// (the client's refresh_token_idle_lifetime, Duende's sliding lifetime), so one left
// unused that long dies (RFC 9700 §4.14.2), but never past the grant's
// end: otherwise a client could keep the grant alive forever by
// refreshing. That end is the grant's absolute lifetime
// (docs/design-notes.md).
func refreshLifetime(now time.Time, ttl, idle time.Duration, grantEnd time.Time) (expires, end time.Time) {
	if grantEnd.IsZero() {
		grantEnd = now.Add(ttl)
	}
	expires = now.Add(ttl)
	if idle > 0 && idle < ttl {
		expires = now.Add(idle)
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
