package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// registerNative registers a public native client for redirect and returns its id.
func (f *flowFixture) registerNative(redirect string) string {
	f.n.t.Helper()
	reg := f.n.mustRegister("default", f.n.iat("default", 1), fmt.Sprintf(`{"application_type":"native","token_endpoint_auth_method":"none",
		"redirect_uris":[%q],"grant_types":["authorization_code"],"scope":"openid profile"}`, redirect))
	return reg["client_id"].(string)
}

// wantErrorPage fails unless p is an error page with code and no redirect.
func wantErrorPage(t *testing.T, name string, p page, code string) {
	t.Helper()
	if p.Status != http.StatusBadRequest || p.Location != "" || !strings.Contains(p.Body, code) {
		t.Errorf("%s: %d location=%q; want a %s error page, never a redirect", name, p.Status, p.Location, code)
	}
}

// TestNativeLocalhostRedirectAnyPort: RFC 8252 §7.3 lets a native app's
// loopback redirect use any port, and registration accepts "localhost"
// as loopback, so authorize must too; nothing but the port may differ.
func TestNativeLocalhostRedirectAnyPort(t *testing.T) {
	f := newFlowFixture(t, "")
	id := f.registerNative("http://localhost:6274/oauth/callback")
	u := f.login(newAgent(t), url.Values{"client_id": {id}, "redirect_uri": {"http://localhost:55555/oauth/callback"}})
	if u.Host != "localhost:55555" || u.Path != "/oauth/callback" || u.Query().Get("code") == "" {
		t.Fatalf("localhost on another port: %v", u)
	}
	a := newAgent(t)
	for _, bad := range []string{
		"http://localhost:55555/oauth/other",
		"https://localhost:55555/oauth/callback",
		"http://localhost.evil.example:55555/oauth/callback",
		"http://x@localhost:55555/oauth/callback",
		"http://localhost:55555/oauth/callback?x=1",
		"http://localhost:55555/oauth/callback#f",
		"http://127.0.0.1:55555/oauth/callback",
	} {
		p := a.do(http.MethodGet, f.authorizeURL(url.Values{"client_id": {id}, "redirect_uri": {bad}}), nil)
		wantErrorPage(t, bad, p, "invalid_request")
	}
}
