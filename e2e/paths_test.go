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

// TestWrongMethodIs405: a known path asked with a method it does not take
// answers 405 with Allow in the JSON error format, not 404.
func TestWrongMethodIs405(t *testing.T) {
	n := startNode(t, nodeOpts{})
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPut, "/default/oauth2/userinfo", "GET, HEAD, POST, OPTIONS"},
		{http.MethodDelete, "/default/oauth2/authorize", "GET, HEAD, POST"},
		{http.MethodGet, "/default/login", "POST"},
		{http.MethodPost, "/default/.well-known/jwks.json", "GET, HEAD, OPTIONS"},
		{http.MethodPost, "/default/.well-known/openid-configuration", "GET, HEAD, OPTIONS"},
		{http.MethodGet, "/default/oauth2/token", "POST, OPTIONS"},
	} {
		req, _ := http.NewRequest(tc.method, n.Base+tc.path, nil)
		r := do(t, req)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != tc.allow || r.JSON(t)["error"] != "invalid_request" {
			t.Errorf("%s %s: %d Allow=%q %s; want 405 Allow=%q with a JSON error", tc.method, tc.path, r.Status, r.Header.Get("Allow"), r.Body, tc.allow)
		}
	}
}
