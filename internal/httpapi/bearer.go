package httpapi

import (
	"net/http"
	"strings"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// Authorization returns the request's Authorization header, "" when it has
// none. The field holds one credential (RFC 9110 §11.6.2), so a request
// with two of them is malformed: 400 invalid_request (RFC 6750 §3.1, RFC
// 6749 §5.2). Taking the first, as Header.Get does, would let whoever can
// add a header to a request decide which credential counts. Every reader
// of the header goes through here.
func Authorization(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	if len(values) > 1 {
		return "", oautherr.InvalidRequestf("the Authorization header is sent %d times; send one", len(values))
	}
	if len(values) == 0 {
		return "", nil
	}
	return values[0], nil
}

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
// a stray one only fails to match. A repeated header is err (see
// Authorization), with present true.
func BearerToken(r *http.Request) (token string, present bool, err error) {
	auth, err := Authorization(r)
	if err != nil {
		return "", true, err
	}
	if auth == "" {
		return "", false, nil
	}
	scheme, rest, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true, nil
	}
	// RFC 7235 §2.1: 1*SP after the scheme; trailing whitespace is the
	// header's optional whitespace, which the server usually trims already.
	token = strings.TrimRight(strings.TrimLeft(rest, " "), " \t")
	if strings.ContainsAny(token, " \t") {
		return "", true, nil
	}
	return token, true, nil
}
