package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
)

const consoleAdminToken = "e2e-console-admin-token-0123456789abcdefghijk"

// TestConsole: an operator signs in to the console in a real browser,
// finds a self-registered application by search and sees its DCR label,
// disables it and its token requests fail, issues and revokes an initial
// access token, and sees every page; script a client put in its metadata
// stays text. Screenshots of each page go to REGISTRAR_ARTIFACTS (a temp
// dir by default; docs/screenshots for the README).
func TestConsole(t *testing.T) {
	ctx := browser(t)
	n := startNode(t, nodeOpts{Env: []string{"REGISTRAR_ADMIN_TOKEN=" + consoleAdminToken}})
	reg := n.mustRegister("default", n.iat("default", 1), `{"client_name":"Acme Inventory Sync","grant_types":["client_credentials"],
		"scope":"profile","software_id":"acme-inventory","software_version":"2.1"}`)
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	n.createClient("default", "--name", "Internal reporting", "--grant-type", "client_credentials")
	n.clientCredentials("default", id, secret, "profile")

	C := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	shot := func(name string) {
		t.Helper()
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			artifact(t, "console-"+name+".png", png)
		}
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\nserver log:\n%s", what, err, n.Stderr)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(C(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}

	step("sign-in page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(n.Base+"/admin/"), chromedp.WaitVisible(C("#token")))
	shot("signin")
	step("sign in", chromedp.SendKeys(C("#token"), consoleAdminToken), chromedp.Submit(C("#token")), chromedp.WaitVisible(C("#q")))
	shot("applications")
	// Keyboard: on a page just loaded, the first Tab reaches the skip link.
	step("tab", chromedp.KeyEvent("\t"))
	if !eval(`document.activeElement.classList.contains("skip")`) {
		t.Error("the first Tab does not reach the skip link")
	}

	step("search", chromedp.SendKeys(C("#q"), "inventory"), chromedp.Submit(C("#q")), chromedp.WaitVisible(C("#clear")))
	rows := text("tbody")
	if !strings.Contains(rows, "Acme Inventory Sync") || strings.Contains(rows, "Internal reporting") {
		t.Fatalf("search for inventory found: %q", rows)
	}
	if !strings.Contains(rows, "DCR") || !strings.Contains(rows, "initial access token") || !strings.Contains(rows, "acme-inventory") {
		t.Fatalf("the row lacks the DCR label, how, or the software id: %q", rows)
	}
	shot("applications-search")

	step("application page", chromedp.Click(C("tbody tr a")), chromedp.WaitVisible(C("dl.meta")))
	shot("application")
	appPage, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// A new registration access token, shown once: the old one stops
	// working, the new one reads the registration (RFC 7592).
	step("reissue", chromedp.Click(C(`a[href$="action=reissue-registration-token"]`)), chromedp.WaitVisible(C("main form button")),
		chromedp.Click(C("main form button")), chromedp.WaitVisible(C("#secret-value")))
	rat, err := chromedp.Run(ctx, chromedp.AttributeValue(C("#secret-value"), "value"))
	if err != nil || rat.Value == "" {
		t.Fatalf("the new registration access token is not shown: %v", err)
	}
	uri := reg["registration_client_uri"].(string)
	if r := get(t, uri, "Authorization", "Bearer "+reg["registration_access_token"].(string)); r.Status != 401 {
		t.Errorf("the replaced registration access token still reads: %d", r.Status)
	}
	if r := get(t, uri, "Authorization", "Bearer "+rat.Value); r.Status != 200 {
		t.Errorf("the reissued registration access token does not read: %d %s", r.Status, r.Body)
	}
	step("back to the application", chromedp.Navigate(appPage), chromedp.WaitVisible(C("dl.meta")))
	step("confirm disable", chromedp.Click(C(`a[href$="action=disable"]`)), chromedp.WaitVisible(C("main form button")))
	shot("confirm-disable")
	step("disable", chromedp.Click(C("main form button")), chromedp.WaitVisible(C(".notice")))
	if !strings.Contains(text(".app-head"), "Disabled") {
		t.Errorf("the application page does not say it is disabled: %q", text(".app-head"))
	}
	r := postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}}, "Authorization", basicAuth(id, secret))
	wantError(t, r, 401, "invalid_client")
	// Someone following the disabled app is told the operator disabled
	// it, not that the app's request was bad.
	step("authorize the disabled app", chromedp.Navigate(n.Base+"/default/oauth2/authorize?response_type=code&client_id="+url.QueryEscape(id)),
		chromedp.WaitVisible(C("h1")))
	if body := text("body"); !strings.Contains(body, "disabled by the administrator of this sign-in service") || strings.Contains(body, "developer") {
		t.Errorf("the disabled app's authorization page: %q", body)
	}
	shot("authorize-disabled")

	// Initial access tokens: issue one, see it once, revoke it.
	step("tokens page", chromedp.Navigate(n.Base+"/admin/ws/default/initial-access-tokens"), chromedp.WaitVisible(C("#uses")))
	step("issue", chromedp.SetValue(C("#description"), "partner onboarding"), chromedp.Submit(C("#uses")), chromedp.WaitVisible(C("#secret-value")))
	shot("token-issued")
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(C("#secret-value"), "value"))
	issued := v.Value
	if err != nil || len(issued) < 32 {
		t.Fatalf("the issued token is not shown: %q %v", issued, err)
	}
	step("back to tokens", chromedp.Navigate(n.Base+"/admin/ws/default/initial-access-tokens"), chromedp.WaitVisible(C("table")))
	if body := text("main"); strings.Contains(body, issued) {
		t.Fatal("the token list shows a token's value")
	}
	shot("tokens")
	// The only active token is the one just issued: the others are used up.
	step("revoke", chromedp.Click(C(`button[aria-label^="Revoke"]`)), chromedp.WaitVisible(C(".notice")))
	if r := n.register("default", issued, `{"grant_types":["client_credentials"],"scope":"profile"}`); r.Status != 401 {
		t.Fatalf("registering with a revoked initial access token: %d %s", r.Status, r.Body)
	}

	// Script in metadata stays text; a javascript: URI is no link.
	xss := legacyClientWithScript(t, n)
	step("xss application", chromedp.Navigate(n.Base+"/admin/ws/default/applications/"+xss), chromedp.WaitVisible(C("dl.meta")))
	if !strings.Contains(text("h1"), "<img") {
		t.Errorf("the client name is not shown as text: %q", text("h1"))
	}
	if eval(`window.pwned === 1 || document.querySelector('a[href^="javascript:"], img[src^="javascript:"], h1 img') !== null`) {
		t.Error("script in the client's metadata became markup or a javascript: link")
	}

	// A username that reads as a path stays in its own form: deleting
	// that user deletes the user, never the application it names.
	hostile := "../applications/" + xss + "/delete?"
	step("add a hostile user", chromedp.Navigate(n.Base+"/admin/ws/default/users"), chromedp.WaitVisible(C("#username")),
		chromedp.SendKeys(C("#username"), hostile), chromedp.SendKeys(C("#new-password"), "long enough password"),
		chromedp.Submit(C("#username")), chromedp.WaitVisible(C(".notice")))
	// From the list as it loads (no notice yet), so the next notice is
	// the delete's.
	step("delete the hostile user", chromedp.Navigate(n.Base+"/admin/ws/default/users"), chromedp.WaitVisible(C("table")), chromedp.Click(C(`summary[aria-label^="Delete user ../"]`)),
		chromedp.Click(C(`button[aria-label^="Delete user ../"]`)), chromedp.WaitVisible(C(".notice")))
	if body := text("main"); strings.Contains(body, hostile) {
		t.Error("the hostile user is still listed after its delete")
	}
	if r := get(t, n.Base+"/admin/api/v1/workspaces/default/clients/"+xss, "Authorization", "Bearer "+consoleAdminToken); r.Status != 200 {
		t.Errorf("deleting a user named %q took the application with it: %d", hostile, r.Status)
	}

	// The settings form starts empty: Apply as the page loads changes
	// nothing.
	step("settings form", chromedp.Navigate(n.Base+"/admin/ws/default/settings"), chromedp.WaitVisible(C("#patch")))
	if !eval(`document.querySelector("#patch").value === ""`) {
		t.Error("the settings patch is pre-filled")
	}

	for _, p := range []string{"settings", "users", "keys", "audit"} {
		step(p, chromedp.Navigate(n.Base+"/admin/ws/default/"+p), chromedp.WaitVisible(C("h1")))
		shot(p)
	}
	step("phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(n.Base+"/admin/ws/default/applications"), chromedp.WaitVisible(C("table")))
	shot("applications-phone")
	for _, p := range []string{"applications", "applications/" + xss, "settings", "users", "initial-access-tokens"} {
		step("phone width "+p, chromedp.Navigate(n.Base+"/admin/ws/default/"+p), chromedp.WaitVisible(C("h1")))
		if eval(`document.documentElement.scrollWidth > window.innerWidth + 1`) {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0,6).map(e => e.tagName+"."+e.className+" "+Math.round(e.getBoundingClientRect().right)+" "+(e.textContent||"").slice(0,40)).join(" | ")`))
			t.Errorf("%s scrolls sideways at phone width: %s", p, wide)
		}
	}

	consoleCSRF(t, n)
	consoleRevokedToken(t, n)
}

// consoleRevokedToken: a session opened with a token made by `registrar
// admin token create` ends when `admin token revoke` revokes it.
func consoleRevokedToken(t *testing.T, n *node) {
	t.Helper()
	var tok struct{ ID, Token string }
	if out := n.mustCLI("admin", "token", "create", "--name", "night shift", "--json"); json.Unmarshal([]byte(out), &tok) != nil || tok.Token == "" {
		t.Fatalf("admin token create: %s", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func() (int, string) {
		resp, err := c.Get(n.Base + "/admin/ws/default/users")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	resp, err := c.PostForm(n.Base+"/admin/signin", url.Values{"token": {tok.Token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status, body := page(); status != 200 || !strings.Contains(body, "night shift") {
		t.Fatalf("a page of a stored token's session: %d (or the token's name not shown)", status)
	}
	n.mustCLI("admin", "token", "revoke", tok.ID)
	if status, _ := page(); status != http.StatusSeeOther {
		t.Fatalf("a page of a revoked token's session: %d; want 303 to sign in", status)
	}
}

// legacyClientWithScript stores, as a record older than today's metadata
// checks might be, a client whose name is markup and whose client_uri and
// logo_uri are javascript: URIs; it returns its id.
func legacyClientWithScript(t *testing.T, n *node) string {
	t.Helper()
	reg := n.mustRegister("default", n.iat("default", 1), `{"client_name":"<img src=x onerror=\"window.pwned=1\">","grant_types":["client_credentials"]}`)
	id := reg["client_id"].(string)
	st, err := sqlite.Open(context.Background(), filepath.Join(n.Dir, "registrar.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.UpdateClient(context.Background(), "default", id, func(c *client.Client) error {
		c.Metadata.ClientURI, c.Metadata.LogoURI = "javascript:window.pwned=1", "javascript:window.pwned=1"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// consoleSignIn signs in to the console with token and returns the
// session's client and its CSRF token.
func consoleSignIn(t *testing.T, n *node, token string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(n.Base+"/admin/signin", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(n.Base + "/admin/ws/default/keys")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the keys page (%d): %s", resp.StatusCode, body)
	}
	return c, string(m[1])
}

// consoleCSRF: a console form posted without a CSRF token or with
// another session's is refused (403) and changes nothing.
func consoleCSRF(t *testing.T, n *node) {
	t.Helper()
	mine, own := consoleSignIn(t, n, consoleAdminToken)
	_, theirs := consoleSignIn(t, n, consoleAdminToken)
	iat, _ := n.createIAT("--workspace", "default", "--uses", "1", "--expires", "1h")
	revoke := n.Base + "/admin/ws/default/initial-access-tokens/" + iat + "/revoke"
	for name, form := range map[string]url.Values{"no CSRF token": {}, "another session's CSRF token": {"csrf_token": {theirs}}} {
		resp, err := mine.PostForm(revoke, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a revocation with %s: %d; want 403", name, resp.StatusCode)
		}
	}
	if s := iatStatus(t, n, iat); s != "active" {
		t.Fatalf("refused revocations left the token %s", s)
	}
	resp, err := mine.PostForm(revoke, url.Values{"csrf_token": {own}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := iatStatus(t, n, iat); resp.StatusCode != 200 || s != "revoked" {
		t.Fatalf("a revocation with the session's CSRF token: %d, token %s", resp.StatusCode, s)
	}
	resp, err = http.Post(n.Base+"/admin/signin", "application/x-www-form-urlencoded", strings.NewReader("token=wrong"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with a wrong token: %d; want 401", resp.StatusCode)
	}
	// The log line is written before the answer, but reaches the test
	// through a pipe.
	if m, _ := n.awaitOutput(n.Stderr, regexp.MustCompile(`console sign-in refused`), 10*time.Second); m == nil {
		t.Error("a refused sign-in is not logged")
	}
}

// TestConsoleOnlyOnAdminNodes: a node without the admin role has no
// console.
func TestConsoleOnlyOnAdminNodes(t *testing.T) {
	n := startNode(t, nodeOpts{Args: []string{"--roles", "token,registration"}, Env: []string{"REGISTRAR_ADMIN_TOKEN=" + consoleAdminToken}})
	for _, p := range []string{"/admin/", "/admin/signin", "/admin/console.css"} {
		if r := get(t, n.Base+p); r.Status != 404 {
			t.Errorf("%s on a node without the admin role: %d", p, r.Status)
		}
	}
}

func iatStatus(t *testing.T, n *node, id string) string {
	t.Helper()
	for _, tok := range n.iatList() {
		if tok["id"] == id {
			s, _ := tok["status"].(string)
			return s
		}
	}
	t.Fatalf("no initial access token %s", id)
	return ""
}
