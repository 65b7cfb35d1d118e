package httpapi

import (
	"net/http"
	"strings"
)

// RejectUncleanPaths hands a request whose path has an empty, "." or ".."
// segment to refuse, and passes every other request to next. It goes in
// front of the ServeMux, which would answer such a path with a 307 to the
// cleaned one: a client following a 307 resends its POST, credentials
// included, to a URL it never chose (RFC 9700 §4.12, SPECS §6). refuse
// answers with an error and acts on nothing, so nothing is acted on
// through an unclean path; it is a handler so that the refusal can be
// audited where that is due.
func RejectUncleanPaths(next, refuse http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsCleanPath(r.URL.EscapedPath()) {
			refuse.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// IsCleanPath reports whether ServeMux would route the escaped path p as
// it is, without redirecting: p starts with a slash and no segment is
// empty, "." or "..", except that p may end with a slash. It is the same
// test as p == ServeMux's cleanPath(p), without building the cleaned path:
// it runs on every request, so it must not allocate.
func IsCleanPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return false
	}
	for rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// RegisterPath is the RFC 7591 registration endpoint, relative to a
// workspace's issuer; a client's RFC 7592 URL is it and then the id.
const RegisterPath = "oauth2/register"

// OpenBankingUKRegisterPaths are the registration endpoints of Open
// Banking UK DCR v3.2 and v3.3, relative to a workspace's issuer, served
// in workspaces of that profile alongside RegisterPath. The first is the
// one discovery names.
var OpenBankingUKRegisterPaths = []string{"openbankinguk/dcr/v3.2/register", "openbankinguk/dcr/v3.3/register"}
