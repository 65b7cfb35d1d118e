package store

import (
	"net/url"
	"regexp"
	"strings"
)

// keywordPassword finds a password in libpq's keyword/value form: quoted
// (to the closing quote, or the end if there is none) or not, with
// backslash escapes either way: password=x, sslpassword = 'x y', password=a\ b.
var keywordPassword = regexp.MustCompile(`(?i)(\b\w*password\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|(?:\\.|\S)+)`)

const notShown = "(a DSN that does not parse; not shown)"

// RedactDSN hides the passwords of a DSN before it is logged or shown in
// an error: the user part's and every parameter whose name mentions one
// (password, sslpassword: both are accepted by pgx). A DSN that does not
// parse is not shown at all.
func RedactDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		if strings.Contains(dsn, "@") && !strings.HasPrefix(dsn, "sqlite:") {
			return notShown // a URL without // (postgres:u:pw@h): user info may hide in it
		}
		// Perhaps libpq's keyword form (host=… password=…), which
		// url.Parse would take for a path and keep whole.
		return keywordPassword.ReplaceAllString(dsn, "${1}redacted")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return notShown
	}
	// url.Query drops what it cannot parse (a ';', a bad escape) and the
	// raw query would then be shown as is: refuse to show it instead.
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return notShown
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "redacted")
		}
	}
	q := u.Query()
	redacted := false
	for key := range q {
		if strings.Contains(strings.ToLower(key), "password") {
			q.Set(key, "redacted")
			redacted = true
		}
	}
	if redacted {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
