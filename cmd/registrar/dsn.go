package main

import "net/url"

// redactDSN hides the password of a postgres DSN before it is logged,
// whether it is in the user part or a password= parameter (both are
// accepted by pgx). A DSN that does not parse is not shown at all.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a DSN that does not parse; not shown)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "redacted")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "redacted")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
