package httpapi

import (
	"net/http"
	"strings"
)

// BearerToken reads the token of an Authorization: Bearer header (RFC 6750
// §2.1). present reports whether the request has an Authorization header
// with a value at all (an empty one carries nothing, as before). The token is returned only when the scheme is Bearer, compared
// case-insensitively (RFC 7235 §2.1), and one or more spaces separate it
// from a token holding no whitespace; a header that is there but is not
// such a credential (another scheme, "Bearer" alone, "Bearer " with an
// empty token) gives "", true. Callers must refuse that as malformed, not
// read it as "no token": something was sent, and a second token elsewhere
// in the request must not pass as the only one. Beyond that, the token's
// characters are not checked against b64token: it is compared whole, so
// a stray one only fails to match.
func BearerToken(r *http.Request) (token string, present bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", false
	}
	scheme, rest, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	// RFC 7235 §2.1: 1*SP after the scheme; trailing whitespace is the
	// header's optional whitespace, which the server usually trims already.
	token = strings.TrimRight(strings.TrimLeft(rest, " "), " \t")
	if strings.ContainsAny(token, " \t") {
		return "", true
	}
	return token, true
}
