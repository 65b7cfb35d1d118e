package e2e

import (
	"net/http"
	"net/url"
	"testing"
)

// TestUncleanPathsNeverRedirect: a path with a doubled slash, a "." or a
// ".." segment is answered 404 in the JSON error format, on every route
// and for every method. ServeMux used to answer with a 307 to the cleaned
// path, and a client following it resends its POST, Basic credentials
// included, to a URL it never chose (SPECS §6, RFC 9700 §4.12).
func TestUncleanPathsNeverRedirect(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	auth := basicAuth(id, secret)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"dcr"}}
	checkNotFound := func(method, p string, r response) {
		t.Helper()
		if r.Status != http.StatusNotFound || r.Header.Get("Location") != "" || r.JSON(t)["error"] != "not_found" {
			t.Errorf("%s %s: %d Location=%q %s; want 404 not_found", method, p, r.Status, r.Header.Get("Location"), r.Body)
		}
	}
	for _, p := range []string{"/default/oauth2//token", "/default/./oauth2/token", "/x/../default/oauth2/token", "//default/oauth2/token"} {
		checkNotFound("POST", p, postForm(t, n.Base+p, form, "Authorization", auth))
	}
	for _, p := range []string{"/default/.well-known//jwks.json", "/default/./.well-known/openid-configuration", "/x/../healthz", "/default/oauth2/authorize/."} {
		checkNotFound("GET", p, get(t, n.Base+p))
	}
	// The clean path still serves.
	n.clientCredentials("default", id, secret, "dcr")
}
