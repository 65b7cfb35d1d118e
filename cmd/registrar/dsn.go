package main

import (
	"net/url"
	"strings"
)

// sqlitePath is the file a sqlite: DSN names, read as backend.Open reads it.
func sqlitePath(dsn string) (string, bool) {
	rest, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return "", false
	}
	path := strings.TrimPrefix(rest, "//")
	return path, path != ""
}

// redactDSN hides a password in a postgres DSN before it is logged.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "redacted")
	}
	return u.String()
}
