package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// agent is a browser without JavaScript: a cookie jar that follows no
// redirects, so each step can be checked.
type agent struct {
	t *testing.T
	c *http.Client
}

func newAgent(t *testing.T) *agent {
	jar, _ := cookiejar.New(nil)
	return &agent{t: t, c: &http.Client{Jar: jar, Transport: harnessTransport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (a *agent) do(method, u string, form url.Values) page {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
}

var hiddenRE = regexp.MustCompile(`name="(csrf_token|request)" value="([^"]*)"`)
var actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// submit posts the page's form with fields added.
func (a *agent) submit(base string, p page, fields url.Values) page {
	a.t.Helper()
	m := actionRE.FindStringSubmatch(p.Body)
	if m == nil {
		a.t.Fatalf("no form on page %d:\n%s", p.Status, p.Body)
	}
	form := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(p.Body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, vs := range fields {
		form[k] = vs
	}
	return a.do(http.MethodPost, base+html.UnescapeString(m[1]), form)
}

// flowFixture is a node with a user and a registered public native client.
type flowFixture struct {
	n                  *node
	clientID, redirect string
	// publicReg and secretClient are the registration responses.
	publicReg, secretClient map[string]any
	// secret is set when the fixture acts as its confidential client.
	secret string
}

// confidential is the fixture acting as its confidential client, which
// (unlike a public one, RFC 7662 §2.1) may introspect its own tokens.
func (f *flowFixture) confidential() *flowFixture {
	c := *f
	c.clientID, c.secret = f.secretClient["client_id"].(string), f.secretClient["client_secret"].(string)
	c.redirect = "https://other.example/cb"
	return &c
}

func newFlowFixture(t *testing.T, yaml string) *flowFixture {
	return newFlowFixtureOn(t, nodeOpts{YAML: yaml})
}

// newFlowFixtureOn is newFlowFixture on a node started with o.
func newFlowFixtureOn(t *testing.T, o nodeOpts) *flowFixture {
	n := startNode(t, o)
	if out, err := n.cliInput("correct horse battery\n", "user", "add", "--username", "carol", "--password-stdin"); err != nil {
		t.Fatal(out)
	}
	redirect := "http://127.0.0.1:8765/cb"
	iat := n.iat("default", 2)
	reg := n.mustRegister("default", iat, fmt.Sprintf(`{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":[%q],
		"grant_types":["authorization_code","refresh_token"],"scope":"openid profile offline_access","post_logout_redirect_uris":["http://127.0.0.1:8765/bye"]}`, redirect))
	other := n.mustRegister("default", iat, `{"redirect_uris":["https://other.example/cb"],"scope":"openid offline_access","grant_types":["authorization_code","refresh_token"]}`)
	return &flowFixture{n: n, clientID: reg["client_id"].(string), redirect: redirect, publicReg: reg, secretClient: other}
}

func pkce() (verifier, challenge string) {
	verifier = strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func (f *flowFixture) authorizeURL(extra url.Values) string {
	_, challenge := pkce()
	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {f.redirect},
		"scope": {"openid profile"}, "state": {"st"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	for k, vs := range extra {
		q[k] = vs
	}
	return f.n.Base + "/default/oauth2/authorize?" + q.Encode()
}

// login runs authorize → login → consent as carol and returns the
// redirect URL.
func (f *flowFixture) login(a *agent, extra url.Values) *url.URL {
	f.n.t.Helper()
	return f.loginAs(a, "carol", "correct horse battery", extra)
}

// loginAs is login as another user.
func (f *flowFixture) loginAs(a *agent, username, password string, extra url.Values) *url.URL {
	f.n.t.Helper()
	p := a.do(http.MethodGet, f.authorizeURL(extra), nil)
	p = a.submit(f.n.Base, p, url.Values{"username": {username}, "password": {password}})
	if p.Status == 200 && strings.Contains(p.Body, `value="allow"`) {
		p = a.submit(f.n.Base, p, url.Values{"decision": {"allow"}, "remember": {"1"}})
	}
	if p.Status != http.StatusSeeOther {
		f.n.t.Fatalf("expected a redirect to the client, got %d:\n%s", p.Status, p.Body)
	}
	u, _ := url.Parse(p.Location)
	return u
}

func (f *flowFixture) exchange(code, verifier, clientID string) response {
	return postForm(f.n.t, f.n.Base+"/default/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {f.redirect}, "client_id": {clientID}, "code_verifier": {verifier}})
}

// TestAuthorizeRefusesBadInput: errors before the redirect URI is trusted
// go to an error page; after, back to the client with state.
func TestAuthorizeRefusesBadInput(t *testing.T) {
	f := newFlowFixture(t, "")
	a := newAgent(t)
	pageCases := []struct {
		name  string
		extra url.Values
	}{
		{"unknown client", url.Values{"client_id": {"nobody"}}},
		{"redirect differs by one character", url.Values{"redirect_uri": {f.redirect + "x"}}},
		{"redirect on another host", url.Values{"redirect_uri": {"https://evil.example/cb"}}},
		// RFC 8252 §7.3's any port is one a listener can have.
		{"loopback port out of range", url.Values{"redirect_uri": {"http://127.0.0.1:99999/cb"}}},
		{"loopback port zero", url.Values{"redirect_uri": {"http://127.0.0.1:0/cb"}}},
		{"loopback port empty", url.Values{"redirect_uri": {"http://127.0.0.1:/cb"}}},
	}
	for _, tc := range pageCases {
		p := a.do(http.MethodGet, f.authorizeURL(tc.extra), nil)
		if p.Status != 400 || p.Location != "" || !strings.Contains(p.Body, "invalid_request") {
			t.Errorf("%s: %d location=%q; want an error page, never a redirect", tc.name, p.Status, p.Location)
		}
		if !strings.Contains(p.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: error page can be framed", tc.name)
		}
	}
	// The client registered itself: errors go back to it only once a user
	// has signed in (RFC 9700 §4.11.2; TestUntrustedClientErrorsWaitForSignIn).
	a, _ = f.signedIn(t)
	dup := f.authorizeURL(nil) + "&scope=openid"
	redirectCases := []struct {
		name, url, code string
	}{
		{"unsupported response_type", f.authorizeURL(url.Values{"response_type": {"token"}}), "unsupported_response_type"},
		{"missing response_type", f.authorizeURL(url.Values{"response_type": {""}}), "invalid_request"},
		{"repeated parameter", dup, "invalid_request"},
		{"no PKCE for a public client", f.authorizeURL(url.Values{"code_challenge": {""}, "code_challenge_method": {""}}), "invalid_request"},
		{"plain PKCE", f.authorizeURL(url.Values{"code_challenge_method": {"plain"}}), "invalid_request"},
		{"scope not registered", f.authorizeURL(url.Values{"scope": {"openid email"}}), "invalid_scope"},
		// OIDC Core §3.1.2.6: one code for each way of passing a request object.
		{"request object", f.authorizeURL(url.Values{"request": {"eyJhbGciOiJub25lIn0.e30."}}), "request_not_supported"},
		{"request_uri", f.authorizeURL(url.Values{"request_uri": {"https://evil.example/x"}}), "request_uri_not_supported"},
	}
	for _, tc := range redirectCases {
		p := a.do(http.MethodGet, tc.url, nil)
		u, _ := url.Parse(p.Location)
		if p.Status != http.StatusSeeOther || u == nil || !strings.HasPrefix(p.Location, f.redirect) || u.Query().Get("error") != tc.code || u.Query().Get("state") != "st" || u.Query().Get("iss") == "" {
			t.Errorf("%s: %d %q; want a redirect with error=%s and state", tc.name, p.Status, p.Location, tc.code)
		}
	}
	if p := a.do(http.MethodGet, f.authorizeURL(url.Values{"prompt": {"none"}, "scope": {"openid email"}}), nil); !strings.Contains(p.Location, "error=invalid_scope") {
		t.Errorf("prompt=none with a session and a bad scope: %d %q; want a redirect with error=invalid_scope", p.Status, p.Location)
	}
	if r := get(t, f.n.Base+"/default/oauth2/authorize", "Origin", "https://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("the authorization endpoint answered CORS")
	}
}

// TestCodeRedemptionRules: PKCE, client binding, single use, forged CSRF,
// wrong password, the native loopback port rule.
func TestCodeRedemptionRules(t *testing.T) {
	f := newFlowFixture(t, "")
	verifier, _ := pkce()

	a := newAgent(t)
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	if bad := a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"wrong"}}); bad.Status != 401 || !strings.Contains(bad.Body, "Wrong username or password") {
		t.Fatalf("wrong password: %d", bad.Status)
	}
	if forged := a.submit(f.n.Base, p, url.Values{"csrf_token": {"forged"}, "username": {"carol"}, "password": {"correct horse battery"}}); forged.Status != 400 || forged.Location != "" {
		t.Fatalf("forged CSRF token: %d %q", forged.Status, forged.Location)
	}

	code := f.login(newAgent(t), nil).Query().Get("code")
	if r := f.exchange(code, strings.Repeat("w", 43), f.clientID); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Fatalf("wrong PKCE verifier: %d %s", r.Status, r.Body)
	}
	code = f.login(newAgent(t), nil).Query().Get("code")
	otherID := f.secretClient["client_id"].(string)
	r := postForm(t, f.n.Base+"/default/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect}, "code_verifier": {verifier}},
		"Authorization", basicAuth(otherID, f.secretClient["client_secret"].(string)))
	if r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Fatalf("a code redeemed by another client: %d %s", r.Status, r.Body)
	}

	code = f.login(newAgent(t), nil).Query().Get("code")
	ok := f.exchange(code, verifier, f.clientID)
	if ok.Status != 200 {
		t.Fatalf("exchange: %d %s", ok.Status, ok.Body)
	}
	if again := f.exchange(code, verifier, f.clientID); again.Status != 400 || again.JSON(t)["error"] != "invalid_grant" {
		t.Fatalf("code reuse: %d %s", again.Status, again.Body)
	}
	refresh := ok.JSON(t)["refresh_token"]
	if refresh != nil {
		t.Fatal("a refresh token without offline_access")
	}

	// RFC 8252 §7.3: a native app's loopback redirect may use any port.
	u := f.login(newAgent(t), url.Values{"redirect_uri": {"http://127.0.0.1:9999/cb"}})
	if u.Host != "127.0.0.1:9999" || u.Query().Get("code") == "" {
		t.Fatalf("loopback port: %v", u)
	}
}

// TestRefreshOfAnotherClientAndLogout: a refresh token is bound to its
// client; RP-initiated logout returns only to a registered URI.
func TestRefreshOfAnotherClientAndLogout(t *testing.T) {
	f := newFlowFixture(t, "")
	verifier, _ := pkce()
	a := newAgent(t)
	code := f.login(a, url.Values{"scope": {"openid offline_access"}}).Query().Get("code")
	tok := f.exchange(code, verifier, f.clientID).JSON(t)
	rt, idt := tok["refresh_token"].(string), tok["id_token"].(string)
	otherID, otherSecret := f.secretClient["client_id"].(string), f.secretClient["client_secret"].(string)
	r := postForm(t, f.n.Base+"/default/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, "Authorization", basicAuth(otherID, otherSecret))
	if r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Fatalf("refresh by another client: %d %s", r.Status, r.Body)
	}

	bad := a.do(http.MethodGet, f.n.Base+"/default/oauth2/logout?id_token_hint="+idt+"&post_logout_redirect_uri=https://evil.example/", nil)
	if bad.Status != 400 || bad.Location != "" {
		t.Fatalf("unregistered post_logout_redirect_uri: %d %q", bad.Status, bad.Location)
	}
	p := a.do(http.MethodGet, f.n.Base+"/default/oauth2/logout?id_token_hint="+idt+"&post_logout_redirect_uri="+url.QueryEscape("http://127.0.0.1:8765/bye")+"&state=z", nil)
	out := a.submit(f.n.Base, p, nil)
	if out.Status != http.StatusSeeOther || out.Location != "http://127.0.0.1:8765/bye?state=z" {
		t.Fatalf("logout: %d %q", out.Status, out.Location)
	}
	// The client registered itself: with nobody signed in, login_required
	// is shown on a page (TestUntrustedClientErrorsWaitForSignIn).
	after := a.do(http.MethodGet, f.authorizeURL(url.Values{"prompt": {"none"}}), nil)
	if after.Location != "" || !strings.Contains(after.Body, "login_required") {
		t.Fatalf("session survived logout: %d %q", after.Status, after.Location)
	}
}

// TestLoginThrottling: repeated failures for one account are slowed.
func TestLoginThrottling(t *testing.T) {
	f := newFlowFixture(t, "")
	a := newAgent(t)
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	for i := 0; i < 5; i++ {
		p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"nope"}})
	}
	start := time.Now()
	a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"nope"}})
	if time.Since(start) < 900*time.Millisecond {
		t.Fatal("the sixth failure in a row was not slowed")
	}
}

// TestResourceIndicators: RFC 8707 resource becomes the token's audience,
// limited to the workspace's resources.
func TestResourceIndicators(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    resources: [https://api.example/mcp]\n"})
	id, secret := n.bootstrap()
	tokenURL := n.Base + "/default/oauth2/token"
	r := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example/mcp"}}, "Authorization", basicAuth(id, secret))
	if r.Status != 200 {
		t.Fatalf("resource: %d %s", r.Status, r.Body)
	}
	at := r.JSON(t)["access_token"].(string)
	if in := n.introspect("default", id, secret, at); fmt.Sprint(in["aud"]) != "[https://api.example/mcp]" {
		t.Fatalf("aud %v", in["aud"])
	}
	r = postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://elsewhere.example/"}}, "Authorization", basicAuth(id, secret))
	if r.Status != 400 || r.JSON(t)["error"] != "invalid_target" {
		t.Fatalf("unknown resource: %d %s", r.Status, r.Body)
	}
}
