package e2e

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
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

// wantRedirectError fails unless p sends the browser back to redirect
// with error=code and the original state in the query.
func wantRedirectError(t *testing.T, name string, p page, redirect, code string) {
	t.Helper()
	u, err := url.Parse(p.Location)
	if p.Status != http.StatusSeeOther || err != nil || !strings.HasPrefix(p.Location, redirect+"?") || u.Fragment != "" ||
		u.Query().Get("error") != code || u.Query().Get("state") != "st" || u.Query().Get("code") != "" {
		t.Errorf("%s: %d %q; want a redirect with error=%s and state in the query", name, p.Status, p.Location, code)
	}
}

// TestPublicClientRefusedPlainPKCE: a workspace may allow PKCE plain, but
// a public client has no secret to fall back on, so it must use S256
// (RFC 9700 §2.1.1); a confidential client keeps the workspace's choice.
func TestPublicClientRefusedPlainPKCE(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    allow_plain_pkce: true\n")
	a, _ := f.signedIn(t) // errors reach a self-registered client only after sign-in
	verifier, _ := pkce()
	plain := url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}}
	wantRedirectError(t, "public client, plain", a.do(http.MethodGet, f.authorizeURL(plain), nil), f.redirect, "invalid_request")
	implicitPlain := url.Values{"code_challenge": {verifier}, "code_challenge_method": nil}
	wantRedirectError(t, "public client, method omitted (plain)", a.do(http.MethodGet, f.authorizeURL(implicitPlain), nil), f.redirect, "invalid_request")

	confidential := url.Values{"client_id": {f.secretClient["client_id"].(string)}, "redirect_uri": {"https://other.example/cb"},
		"scope": {"openid"}, "code_challenge": {verifier}, "code_challenge_method": {"plain"}}
	if p := a.do(http.MethodGet, f.authorizeURL(confidential), nil); p.Status != http.StatusOK || !strings.Contains(p.Body, `value="allow"`) {
		t.Fatalf("confidential client, plain allowed by the workspace: %d %q; want its consent page", p.Status, p.Location)
	}
}

// TestUnsupportedResponseModeRefused: discovery lists only the query
// response mode; a client asking for another would look for the code
// where it is not, so the request is refused in the query (RFC 6749
// §4.1.2.1) instead of silently answered there.
func TestUnsupportedResponseModeRefused(t *testing.T) {
	f := newFlowFixture(t, "")
	a, _ := f.signedIn(t) // errors reach a self-registered client only after sign-in
	for _, mode := range []string{"form_post", "fragment", "query.jwt", "jwt"} {
		p := a.do(http.MethodGet, f.authorizeURL(url.Values{"response_mode": {mode}}), nil)
		wantRedirectError(t, "response_mode="+mode, p, f.redirect, "invalid_request")
	}
	if p := a.do(http.MethodGet, f.authorizeURL(url.Values{"response_mode": {"query"}}), nil); !strings.Contains(p.Location, "code=") {
		t.Fatalf("response_mode=query: %d %q", p.Status, p.Location)
	}
}

// signedIn signs a new agent in (remembering consent) and returns it with
// an ID token for the fixture's public client.
func (f *flowFixture) signedIn(t *testing.T) (*agent, string) {
	t.Helper()
	a := newAgent(t)
	verifier, _ := pkce()
	tok := f.exchange(f.login(a, nil).Query().Get("code"), verifier, f.clientID).JSON(t)
	idt, _ := tok["id_token"].(string)
	if idt == "" {
		t.Fatalf("no ID token: %v", tok)
	}
	return a, idt
}

// hasSession reports whether prompt=none still finds the agent signed in.
func (f *flowFixture) hasSession(a *agent) bool {
	p := a.do(http.MethodGet, f.authorizeURL(url.Values{"prompt": {"none"}}), nil)
	return strings.Contains(p.Location, "code=")
}

// TestLogoutRequestByPost: OpenID Connect RP-Initiated Logout 1.0 §2 lets
// the RP send its logout request by POST, not only GET. Such a POST gets
// the same confirmation page (so a cross-site form still cannot sign the
// user out by itself); our own confirmation form, which carries the CSRF
// token and sealed request, still ends the session.
func TestLogoutRequestByPost(t *testing.T) {
	f := newFlowFixture(t, "")
	a, idt := f.signedIn(t)
	logoutURL := f.n.Base + "/default/oauth2/logout"
	bye := "http://127.0.0.1:8765/bye"

	bad := a.do(http.MethodPost, logoutURL, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"https://evil.example/"}, "state": {"s"}})
	wantErrorPage(t, "unregistered post_logout_redirect_uri", bad, "invalid_request")
	if !f.hasSession(a) {
		t.Fatal("a refused logout request ended the session")
	}

	byClient := a.do(http.MethodPost, logoutURL, url.Values{"client_id": {f.clientID}, "post_logout_redirect_uri": {bye}})
	if byClient.Status != http.StatusOK || !strings.Contains(byClient.Body, "Sign out") {
		t.Fatalf("logout POST with client_id: %d %q", byClient.Status, byClient.Location)
	}
	if forged := a.submit(f.n.Base, byClient, url.Values{"csrf_token": {"forged"}}); forged.Status != http.StatusBadRequest || forged.Location != "" {
		t.Fatalf("confirmation with a forged CSRF token: %d %q", forged.Status, forged.Location)
	}
	if !f.hasSession(a) {
		t.Fatal("the logout request alone, without confirmation, ended the session")
	}

	p := a.do(http.MethodPost, logoutURL, url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {bye}, "state": {"s"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Sign out") {
		t.Fatalf("logout POST with id_token_hint: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	out := a.submit(f.n.Base, p, nil)
	if out.Status != http.StatusSeeOther || out.Location != bye+"?state=s" {
		t.Fatalf("confirmed logout: %d %q", out.Status, out.Location)
	}
	if f.hasSession(a) {
		t.Fatal("the session survived a confirmed logout")
	}
}

// TestLoginHintForAnotherUser: a login_hint naming someone other than the
// signed-in user must not silently yield a code for the session's user
// (OIDC Core §3.1.2.1): prompt=none answers login_required, otherwise the
// login page comes back prefilled with the hint.
func TestLoginHintForAnotherUser(t *testing.T) {
	f := newFlowFixture(t, "")
	if out, err := f.n.cliInput("dave's long password\n", "user", "add", "--username", "dave", "--password-stdin"); err != nil {
		t.Fatal(out)
	}
	a, _ := f.signedIn(t) // carol
	if p := a.do(http.MethodGet, f.authorizeURL(url.Values{"login_hint": {"carol"}, "prompt": {"none"}}), nil); !strings.Contains(p.Location, "code=") {
		t.Fatalf("login_hint of the signed-in user: %d %q", p.Status, p.Location)
	}
	silent := a.do(http.MethodGet, f.authorizeURL(url.Values{"login_hint": {"dave"}, "prompt": {"none"}}), nil)
	wantRedirectError(t, "login_hint=dave, prompt=none, carol signed in", silent, f.redirect, "login_required")

	p := a.do(http.MethodGet, f.authorizeURL(url.Values{"login_hint": {"dave"}}), nil)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `name="username" value="dave"`) {
		t.Fatalf("login_hint=dave with carol signed in: %d %q; want the login page prefilled with dave", p.Status, p.Location)
	}
	p = a.submit(f.n.Base, p, url.Values{"username": {"dave"}, "password": {"dave's long password"}})
	if strings.Contains(p.Body, `value="allow"`) {
		p = a.submit(f.n.Base, p, url.Values{"decision": {"allow"}})
	}
	u, _ := url.Parse(p.Location)
	verifier, _ := pkce()
	tok := f.exchange(u.Query().Get("code"), verifier, f.clientID).JSON(t)
	at, _ := tok["access_token"].(string)
	info := get(t, f.n.Base+"/default/oauth2/userinfo", "Authorization", "Bearer "+at).JSON(t)
	if info["preferred_username"] != "dave" {
		t.Fatalf("the code after signing in as dave is for %v", info["preferred_username"])
	}
}

// formOf is what submit would post for p with fields added: the form's
// URL and body, for tests that post it themselves (concurrently).
func formOf(t *testing.T, base string, p page, fields url.Values) (string, url.Values) {
	t.Helper()
	m := actionRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no form on page %d:\n%s", p.Status, p.Body)
	}
	form := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(p.Body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, vs := range fields {
		form[k] = vs
	}
	return base + html.UnescapeString(m[1]), form
}

// postAll posts every form at once from a's cookie jar and returns the
// pages in order. It reports errors without t.Fatal: not the test's goroutine.
func (a *agent) postAll(actions []string, forms []url.Values) []page {
	pages := make([]page, len(forms))
	var wg sync.WaitGroup
	for i := range forms {
		wg.Go(func() {
			resp, err := a.c.PostForm(actions[i], forms[i])
			if err != nil {
				a.t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			pages[i] = page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
		})
	}
	wg.Wait()
	return pages
}

const wrongCredentials = "Wrong username or password"

// TestParallelLoginGuessesRefused: once an account has failed sign-ins,
// attempts are let through one at a time, paced by the backoff, so guesses
// sent in parallel cannot each get their password checked (the tester saw
// 12 parallel guesses all checked within 6 s). The rest are refused
// unchecked with "too many attempts"; the owner can still sign in once the
// backoff has passed. Failures never tell a wrong username from a wrong password.
func TestParallelLoginGuessesRefused(t *testing.T) {
	f := newFlowFixture(t, "")
	a := newAgent(t)
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	p = a.submit(f.n.Base, p, url.Values{"username": {"nobody"}, "password": {"correct horse battery"}})
	unknown := p.Body
	for i := 0; i < 5; i++ {
		p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"nope"}})
	}
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, wrongCredentials) || !strings.Contains(unknown, wrongCredentials) {
		t.Fatalf("failed sign-ins: %d; unknown user and wrong password must read alike", p.Status)
	}

	if checked := f.guessInParallel(a, "carol", 12); checked > 1 {
		t.Fatalf("12 parallel guesses after 5 failures: %d had their password checked; want at most one", checked)
	}

	p = a.do(http.MethodGet, f.authorizeURL(nil), nil)
	p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="allow"`) {
		t.Fatalf("the right password after the backoff: %d %q", p.Status, p.Location)
	}
}

// guessInParallel posts n wrong passwords for username at once, each on
// its own login form, and returns how many were checked ("wrong username
// or password"); it fails the test unless the rest were refused unchecked.
func (f *flowFixture) guessInParallel(a *agent, username string, n int) int {
	t := a.t
	t.Helper()
	var actions []string
	var forms []url.Values
	for i := 0; i < n; i++ {
		action, form := formOf(t, f.n.Base, a.do(http.MethodGet, f.authorizeURL(nil), nil), url.Values{"username": {username}, "password": {fmt.Sprint("guess", i)}})
		actions, forms = append(actions, action), append(forms, form)
	}
	checked := 0
	for _, p := range a.postAll(actions, forms) {
		switch {
		case p.Status == http.StatusUnauthorized && strings.Contains(p.Body, wrongCredentials):
			checked++
		case p.Status == http.StatusTooManyRequests && strings.Contains(p.Body, "Too many attempts") && strings.Contains(p.Body, `name="password"`):
		default:
			t.Errorf("parallel guess: %d %q", p.Status, p.Location)
		}
	}
	return checked
}

// TestParallelFirstGuessesBounded: a burst of guesses at an account with
// no failures yet must not all be checked either. Guesses run at once only
// until the first failure is recorded, so no more are checked than the
// server checks passwords at the same time (max(2, CPUs)), plus the few
// the account's gate then lets through one at a time while the burst lasts.
func TestParallelFirstGuessesBounded(t *testing.T) {
	bound := max(2, runtime.NumCPU()) + 2
	// Enough guesses to exceed the bound on any machine, rather than a
	// skip where the machine has many cores.
	guesses := max(12, 3*bound)
	f := newFlowFixture(t, "")
	a := newAgent(t)
	if checked := f.guessInParallel(a, "carol", guesses); checked > bound {
		t.Fatalf("%d parallel first guesses: %d checked; want at most %d", guesses, checked, bound)
	}
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	if p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}}); !strings.Contains(p.Body, `value="allow"`) {
		t.Fatalf("the right password after the burst: %d %q", p.Status, p.Location)
	}
}

// TestInteractionFormsUsableOnce: a login or consent form carries one
// pending authorization request, and posting it again (twice allow, deny
// then allow, the same login twice) must not yield more codes. The page
// that answers a wrong password carries a fresh form, which still works.
func TestInteractionFormsUsableOnce(t *testing.T) {
	f := newFlowFixture(t, "")
	signIn := url.Values{"username": {"carol"}, "password": {"correct horse battery"}}
	consentPage := func() (*agent, page) {
		a := newAgent(t)
		p := a.submit(f.n.Base, a.do(http.MethodGet, f.authorizeURL(nil), nil), signIn)
		if !strings.Contains(p.Body, `value="allow"`) {
			t.Fatalf("no consent page: %d %q", p.Status, p.Location)
		}
		return a, p
	}

	a, c := consentPage()
	if p := a.submit(f.n.Base, c, url.Values{"decision": {"allow"}}); !strings.Contains(p.Location, "code=") {
		t.Fatalf("allow: %d %q", p.Status, p.Location)
	}
	wantErrorPage(t, "the consent form allowed twice", a.submit(f.n.Base, c, url.Values{"decision": {"allow"}}), "invalid_request")

	a, c = consentPage()
	wantRedirectError(t, "deny", a.submit(f.n.Base, c, url.Values{"decision": {"deny"}}), f.redirect, "access_denied")
	wantErrorPage(t, "allow after deny, same form", a.submit(f.n.Base, c, url.Values{"decision": {"allow"}}), "invalid_request")

	f.login(newAgent(t), nil) // remembers consent: the login form now yields the code
	a = newAgent(t)
	login := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	if p := a.submit(f.n.Base, login, signIn); !strings.Contains(p.Location, "code=") {
		t.Fatalf("login: %d %q", p.Status, p.Location)
	}
	wantErrorPage(t, "the login form posted twice", a.submit(f.n.Base, login, signIn), "invalid_request")

	a = newAgent(t)
	login = a.do(http.MethodGet, f.authorizeURL(nil), nil)
	retry := a.submit(f.n.Base, login, url.Values{"username": {"carol"}, "password": {"typo"}})
	wantErrorPage(t, "the right password on the form a typo used", a.submit(f.n.Base, login, signIn), "invalid_request")
	if p := a.submit(f.n.Base, retry, signIn); !strings.Contains(p.Location, "code=") {
		t.Fatalf("the right password on the page after a typo: %d %q", p.Status, p.Location)
	}
}

// TestConsentAnswersOnlyForItsSession: a consent page shown to carol, sent
// after the browser signed in as dave in another tab, must not grant dave's
// data: dave is asked himself.
func TestConsentAnswersOnlyForItsSession(t *testing.T) {
	f := newFlowFixture(t, "")
	if out, err := f.n.cliInput("dave's long password\n", "user", "add", "--username", "dave", "--password-stdin"); err != nil {
		t.Fatal(out)
	}
	a := newAgent(t)
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	carolsConsent := a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}})
	if !strings.Contains(carolsConsent.Body, `value="allow"`) || !strings.Contains(carolsConsent.Body, "carol") {
		t.Fatalf("no consent page for carol: %d\n%s", carolsConsent.Status, carolsConsent.Body)
	}
	// Another tab: sign in again as dave.
	p = a.do(http.MethodGet, f.authorizeURL(url.Values{"prompt": {"login"}}), nil)
	if davesConsent := a.submit(f.n.Base, p, url.Values{"username": {"dave"}, "password": {"dave's long password"}}); !strings.Contains(davesConsent.Body, "dave") {
		t.Fatalf("signing in as dave: %d\n%s", davesConsent.Status, davesConsent.Body)
	}
	p = a.submit(f.n.Base, carolsConsent, url.Values{"decision": {"allow"}, "remember": {"1"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="allow"`) || !strings.Contains(p.Body, "dave") {
		t.Fatalf("carol's consent sent with dave signed in: %d %q; want dave's own consent page", p.Status, p.Location)
	}
	// And nothing was remembered for dave: the next request asks again.
	if p := a.do(http.MethodGet, f.authorizeURL(nil), nil); !strings.Contains(p.Body, `value="allow"`) {
		t.Fatalf("dave's consent was remembered from carol's page: %d %q", p.Status, p.Location)
	}
}

// TestUntrustedClientErrorsWaitForSignIn: RFC 9700 §4.11.2. A client that
// registered itself has a redirect URI nobody vetted; an error in its
// request is shown on our page until a user has signed in, or anyone who
// can register would have an open redirector. A client the operator made
// gets its errors at once, and an OpenID request must name its redirect_uri.
func TestUntrustedClientErrorsWaitForSignIn(t *testing.T) {
	f := newFlowFixture(t, "")
	a := newAgent(t)
	for name, extra := range map[string]url.Values{
		"unsupported response_type": {"response_type": {"token"}},
		"unknown scope":             {"scope": {"openid zzz"}},
		"no PKCE":                   {"code_challenge": {""}, "code_challenge_method": {""}},
		// The BCP's third attack: a silent request sends the browser to
		// the attacker's page with no user ever signed in.
		"prompt=none": {"prompt": {"none"}},
	} {
		p := a.do(http.MethodGet, f.authorizeURL(extra), nil)
		if p.Status < 400 || p.Location != "" || !strings.Contains(p.Body, "This request cannot continue") {
			t.Errorf("%s, self-registered client, nobody signed in: %d %q; want an error page", name, p.Status, p.Location)
		}
	}
	id, _ := f.n.createClient("default", "--grant-type", "authorization_code", "--redirect-uri", "https://operator.example/cb", "--scope", "openid")
	operatorURL := func(extra url.Values) string {
		_, challenge := pkce()
		q := url.Values{"client_id": {id}, "redirect_uri": {"https://operator.example/cb"}, "response_type": {"code"}, "state": {"st"},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
		for k, v := range extra {
			q[k] = v
		}
		return f.n.Base + "/default/oauth2/authorize?" + q.Encode()
	}
	wantRedirectError(t, "operator's client", a.do(http.MethodGet, operatorURL(url.Values{"response_type": {"token"}}), nil),
		"https://operator.example/cb", "unsupported_response_type")
	wantRedirectError(t, "operator's client, prompt=none, nobody signed in", a.do(http.MethodGet, operatorURL(url.Values{"prompt": {"none"}}), nil),
		"https://operator.example/cb", "login_required")

	// Signed in is not enough: carol never approved the other
	// self-registered client, so a silent request for it (the BCP's third
	// attack on a signed-in victim) stays on our page too.
	signedIn, _ := f.signedIn(t)
	other := f.confidential()
	if p := signedIn.do(http.MethodGet, other.authorizeURL(url.Values{"prompt": {"none"}, "scope": {"openid"}}), nil); p.Location != "" || !strings.Contains(p.Body, "consent_required") {
		t.Errorf("prompt=none for a self-registered client carol never approved: %d %q; want an error page", p.Status, p.Location)
	}

	noRedirect := f.authorizeURL(nil)
	noRedirect = strings.Replace(noRedirect, "redirect_uri="+url.QueryEscape(f.redirect)+"&", "", 1)
	if p := a.do(http.MethodGet, noRedirect, nil); p.Status != 400 || p.Location != "" || !strings.Contains(p.Body, "redirect_uri is required") {
		t.Errorf("scope openid without redirect_uri: %d %q; want an error page naming redirect_uri", p.Status, p.Location)
	}
}

// TestPublicClientMayRevokeNotIntrospect: a client_id is public, so it
// authorizes no introspection (RFC 7662 §2.1: 401 invalid_client); a
// public client may still revoke its own tokens with it (RFC 7009 §5), as
// discovery says.
func TestPublicClientMayRevokeNotIntrospect(t *testing.T) {
	f := newFlowFixture(t, "")
	a := newAgent(t)
	verifier, _ := pkce()
	tok := f.exchange(f.login(a, nil).Query().Get("code"), verifier, f.clientID).JSON(t)
	at := tok["access_token"].(string)
	r := postForm(t, f.n.Base+"/default/oauth2/introspect", url.Values{"token": {at}, "client_id": {f.clientID}})
	if r.Status != 401 || r.JSON(t)["error"] != "invalid_client" {
		t.Fatalf("introspection with a public client_id only: %d %s", r.Status, r.Body)
	}
	if r := postForm(t, f.n.Base+"/default/oauth2/revoke", url.Values{"token": {at}, "client_id": {f.clientID}}); r.Status != 200 {
		t.Fatalf("a public client revoking its token: %d %s", r.Status, r.Body)
	}
	if info := get(t, f.n.Base+"/default/oauth2/userinfo", "Authorization", "Bearer "+at); info.Status != 401 {
		t.Fatalf("the revoked token still reads userinfo: %d", info.Status)
	}
	meta := get(t, f.n.Base+"/default/.well-known/openid-configuration").JSON(t)
	if methods := fmt.Sprint(meta["revocation_endpoint_auth_methods_supported"]); !strings.Contains(methods, "none") {
		t.Errorf("revocation_endpoint_auth_methods_supported = %s; public clients revoke with none", methods)
	}
	if methods := fmt.Sprint(meta["introspection_endpoint_auth_methods_supported"]); strings.Contains(methods, "none") {
		t.Errorf("introspection_endpoint_auth_methods_supported = %s lists none", methods)
	}
}
