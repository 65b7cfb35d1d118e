package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Grants a user already made follow later changes: a client's RFC 7592
// update that narrows what it is registered for, and an operator's password
// change that cuts off what was signed in with the old password.

// asClient is the fixture acting as another public client of its workspace.
func (f *flowFixture) asClient(id string) *flowFixture {
	c := *f
	c.clientID, c.secret = id, ""
	return &c
}

// codeFor asks for a code with a's session and remembered consent, and
// fails unless the answer is one.
func (f *flowFixture) codeFor(a *agent, extra url.Values) string {
	f.n.t.Helper()
	p := a.do(http.MethodGet, f.authorizeURL(extra), nil)
	u, _ := url.Parse(p.Location)
	if p.Status != http.StatusSeeOther || u == nil || u.Query().Get("code") == "" {
		f.n.t.Fatalf("authorize with a session and remembered consent: %d %q; want a code", p.Status, p.Location)
	}
	return u.Query().Get("code")
}

// registration is a client's RFC 7592 handle: its configuration URI and
// current registration access token, which every update rotates.
type registration struct {
	uri, rat string
}

func newRegistration(reg map[string]any) *registration {
	return &registration{uri: reg["registration_client_uri"].(string), rat: reg["registration_access_token"].(string)}
}

// put replaces the client's metadata with body, a JSON object's members
// after client_id.
func (r *registration) put(t *testing.T, clientID, members string) {
	t.Helper()
	resp := send(t, http.MethodPut, r.uri, r.rat, fmt.Sprintf(`{"client_id":%q,%s}`, clientID, members))
	if resp.Status != 200 {
		t.Fatalf("PUT %s: %d %s", members, resp.Status, resp.Body)
	}
	r.rat = resp.JSON(t)["registration_access_token"].(string)
}

func (f *flowFixture) userinfo(t *testing.T, at any) map[string]any {
	t.Helper()
	r := get(t, f.n.Base+"/default/oauth2/userinfo", "Authorization", fmt.Sprint("Bearer ", at))
	if r.Status != 200 {
		t.Fatalf("userinfo: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

// wantOnlyScope fails unless a token response and its JWT access token
// say scope, and userinfo with that token gives no claim of a scope
// beyond it.
func (f *flowFixture) wantOnlyScope(t *testing.T, what string, tok map[string]any, scope string) {
	t.Helper()
	if tok["scope"] != scope {
		t.Fatalf("%s: scope %q, want %q", what, tok["scope"], scope)
	}
	if got := jwtClaims(t, tok["access_token"].(string))["scope"]; got != scope {
		t.Fatalf("%s: the access token's scope claim is %q, want %q", what, got, scope)
	}
	info := f.userinfo(t, tok["access_token"])
	for _, claim := range []string{"email", "email_verified", "name", "preferred_username", "updated_at"} {
		if v, ok := info[claim]; ok {
			t.Fatalf("%s: userinfo still gives %s=%v with scope %q: %v", what, claim, v, scope, info)
		}
	}
	if idt, ok := tok["id_token"].(string); ok {
		if c := jwtClaims(t, idt); c["email"] != nil || c["name"] != nil {
			t.Fatalf("%s: the ID token has claims of scopes no longer registered: %v", what, c)
		}
	}
}

// TestScopeNarrowingReachesHeldGrants: after an RFC 7592 PUT narrows a
// client's registered scope, what it already holds is worth no more than
// what it is registered for. A refresh with a refresh token issued before
// the change, and a code issued before it, both get the old grant's scope
// within the new registration (RFC 6749 §3.3, §6; RFC 9700 §4.14.2), and
// the response's scope says so; userinfo follows the access token's scope.
// Asking outright for a scope no longer registered is invalid_scope. When
// the registration drops openid, a code issued for an OpenID Connect
// request can no longer be answered with an ID token, and when it drops
// offline_access the refresh tokens stop, as they do when refresh_token
// leaves grant_types: invalid_grant.
func TestScopeNarrowingReachesHeldGrants(t *testing.T) {
	f := newFlowFixture(t, "")
	if out, err := f.n.cliInput("erin's long password\n", "user", "add", "--username", "erin", "--email", "erin@example.com",
		"--email-verified", "--name", "Erin Example", "--password-stdin"); err != nil {
		t.Fatal(out)
	}
	const wide, narrow = "openid profile email offline_access", "openid offline_access"
	native := fmt.Sprintf(`"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":[%q],
		"grant_types":["authorization_code","refresh_token"]`, f.redirect)
	reg := f.n.mustRegister("default", f.n.iat("default", 1), `{`+native+`,"scope":"`+wide+`"}`)
	c := f.asClient(reg["client_id"].(string))
	manage := newRegistration(reg)
	verifier, _ := pkce()
	ask := url.Values{"client_id": {c.clientID}, "scope": {wide}}
	a := newAgent(t)
	first := c.exchange(c.loginAs(a, "erin", "erin's long password", ask).Query().Get("code"), verifier, c.clientID).JSON(t)
	if info := c.userinfo(t, first["access_token"]); info["email"] != "erin@example.com" || info["name"] != "Erin Example" {
		t.Fatalf("before the update, userinfo with the wide scope: %v", info)
	}
	pending := c.codeFor(a, ask)

	manage.put(t, c.clientID, native+`,"scope":"`+narrow+`"`)
	refreshed := c.mustRefresh(t, first["refresh_token"].(string))
	c.wantOnlyScope(t, "a refresh after the update", refreshed, narrow)
	r := c.exchange(pending, verifier, c.clientID)
	if r.Status != 200 {
		t.Fatalf("a code issued before the update: %d %s", r.Status, r.Body)
	}
	redeemed := r.JSON(t)
	c.wantOnlyScope(t, "a code issued before the update", redeemed, narrow)
	if redeemed["id_token"] == nil || redeemed["refresh_token"] == nil {
		t.Fatalf("a code issued before the update, openid and offline_access still registered: %v", redeemed)
	}
	rt := refreshed["refresh_token"].(string)
	explicit := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "scope": {"openid email"}}
	wantError(t, c.postAs("token", explicit), 400, "invalid_scope", "email")
	rt = c.mustRefresh(t, rt)["refresh_token"].(string) // the refused request left it usable

	pending = c.codeFor(a, url.Values{"client_id": {c.clientID}, "scope": {narrow}})
	manage.put(t, c.clientID, native+`,"scope":"profile"`)
	wantError(t, c.exchange(pending, verifier, c.clientID), 400, "invalid_grant", "openid")
	wantError(t, c.refresh(rt), 400, "invalid_grant", "offline_access")
}

// TestCodeNeedsItsRedirectStillRegistered: a code bound to a redirect URI
// that an RFC 7592 PUT has since removed from the client is not redeemed
// (invalid_grant); one bound to a URI the client kept still is.
func TestCodeNeedsItsRedirectStillRegistered(t *testing.T) {
	f := newFlowFixture(t, "")
	kept := "http://127.0.0.1:8765/kept"
	uris := func(u ...string) string {
		return fmt.Sprintf(`"application_type":"native","token_endpoint_auth_method":"none","grant_types":["authorization_code"],
			"scope":"openid","redirect_uris":["%s"]`, strings.Join(u, `","`))
	}
	reg := f.n.mustRegister("default", f.n.iat("default", 1), `{`+uris(f.redirect, kept)+`}`)
	c := f.asClient(reg["client_id"].(string))
	verifier, _ := pkce()
	a := newAgent(t)
	dropped := c.login(a, url.Values{"client_id": {c.clientID}, "scope": {"openid"}}).Query().Get("code")
	stays := c.codeFor(a, url.Values{"client_id": {c.clientID}, "scope": {"openid"}, "redirect_uri": {kept}})

	newRegistration(reg).put(t, c.clientID, uris(kept))
	wantError(t, c.exchange(dropped, verifier, c.clientID), 400, "invalid_grant", "redirect_uri")
	r := postForm(t, f.n.Base+"/default/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {stays},
		"redirect_uri": {kept}, "client_id": {c.clientID}, "code_verifier": {verifier}})
	if r.Status != 200 {
		t.Fatalf("a code bound to a redirect URI the client kept: %d %s", r.Status, r.Body)
	}
}

// TestPasswdEndsSessionsAndGrants: `user passwd` is what an operator runs
// after a suspected compromise, so whatever was signed in with the old
// password stops with it: the browser session (prompt=none no longer
// finds it), codes not yet redeemed, refresh tokens and the access tokens
// of their grants. Other users keep theirs, and the new password signs in.
func TestPasswdEndsSessionsAndGrants(t *testing.T) {
	f := newFlowFixture(t, "")
	if out, err := f.n.cliInput("dave's long password\n", "user", "add", "--username", "dave", "--password-stdin"); err != nil {
		t.Fatal(out)
	}
	offline := url.Values{"scope": {"openid profile offline_access"}}
	verifier, _ := pkce()
	a := newAgent(t)
	tok := f.exchange(f.login(a, offline).Query().Get("code"), verifier, f.clientID).JSON(t)
	pending := f.codeFor(a, offline)
	dave := f.exchange(f.loginAs(newAgent(t), "dave", "dave's long password", offline).Query().Get("code"), verifier, f.clientID).JSON(t)
	if !f.hasSession(a) || !f.activeAtUserinfo(tok["access_token"].(string)) {
		t.Fatal("carol's session or access token did not work before the password change")
	}

	out, err := f.n.cliInput("a brand new password\n", "user", "passwd", "--workspace", "default", "carol", "--password-stdin")
	if err != nil || !strings.Contains(out, "signed out") || !strings.Contains(out, "revoked") {
		t.Fatalf("user passwd: %v\n%s; want it to say carol is signed out and her tokens revoked", err, out)
	}
	if f.hasSession(a) {
		t.Fatal("the browser session signed in with the old password survived the change")
	}
	wantError(t, f.refresh(tok["refresh_token"].(string)), 400, "invalid_grant", "revoked")
	if f.activeAtUserinfo(tok["access_token"].(string)) {
		t.Fatal("an access token issued before the password change still works")
	}
	wantError(t, f.exchange(pending, verifier, f.clientID), 400, "invalid_grant")

	f.mustRefresh(t, dave["refresh_token"].(string))
	if f.loginAs(newAgent(t), "carol", "a brand new password", nil).Query().Get("code") == "" {
		t.Fatal("no code after signing in with the new password")
	}
}
