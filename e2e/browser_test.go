package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// callback is the native app's loopback redirect target (RFC 8252 §7.3).
type callback struct {
	URL string
	got chan url.Values
}

func startCallback(t *testing.T) *callback {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveCallback(t, ln, "http")
}

// serveCallback answers the redirects that come to ln, a listener of
// scheme (http, or https for a TLS one).
func serveCallback(t *testing.T, ln net.Listener, scheme string) *callback {
	cb := &callback{URL: scheme + "://" + ln.Addr().String() + "/callback", got: make(chan url.Values, 4)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r) // the browser also asks for /favicon.ico
			return
		}
		cb.got <- r.URL.Query()
		fmt.Fprint(w, "<html><body><p id=done>signed in</p></body></html>")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return cb
}

// browser starts Debian's headless Chromium with the flags this machine
// needs (no sandbox as root, no background networking), and extra.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	requireCI(t, err == nil, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()))
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// artifact saves a screenshot where a person can look at it.
func artifact(t *testing.T, name string, png []byte) {
	dir := os.Getenv("REGISTRAR_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "registrar-artifacts")
	}
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("saving %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserCodeFlow: a client registered through DCR signs a user in,
// in a real browser, then uses the tokens with real third-party clients.
func TestBrowserCodeFlow(t *testing.T) {
	browserCodeFlow(t, nodeOpts{}, "")
}

// TestBrowserCodeFlowOnPostgres is the same flow on PostgreSQL, whose
// store paths (row locks, the sign-in gates, the code's single use) differ
// from SQLite's.
func TestBrowserCodeFlowOnPostgres(t *testing.T) {
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	browserCodeFlow(t, nodeOpts{DB: freshSchema(t, dsn)}, "postgres-")
}

// browserCodeFlow runs the flow on a node started with o; screenshots are
// saved with the name prefix.
func browserCodeFlow(t *testing.T, o nodeOpts, prefix string) {
	ctx := browser(t)
	n := startNode(t, o)
	if out, err := n.cliInput("correct horse battery\n", "user", "add", "--workspace", "default", "--username", "alice",
		"--email", "alice@example.com", "--email-verified", "--name", "Alice Liddell", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	cb := startCallback(t)
	reg := n.mustRegister("default", n.iat("default", 1), fmt.Sprintf(`{
		"client_name":"Looking Glass","application_type":"native","token_endpoint_auth_method":"none",
		"redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],
		"scope":"openid profile email offline_access","id_token_signed_response_alg":"ES256",
		"policy_uri":"https://looking-glass.example/privacy"}`, cb.URL))
	clientID := reg["client_id"].(string)
	issuer := n.Base + "/default"

	provider, err := oidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	conf := oauth2.Config{ClientID: clientID, Endpoint: provider.Endpoint(), RedirectURL: cb.URL,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}}
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier), oidc.Nonce("nonce-456"))

	signInAndAllow(t, ctx, n, authURL, prefix)
	q := <-cb.got
	if q.Get("state") != "state-123" || q.Get("iss") != issuer || q.Get("code") == "" {
		t.Fatalf("authorization response: %v", q)
	}

	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: clientID, SupportedSigningAlgs: []string{"ES256"}}).Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != "nonce-456" || idt.AccessTokenHash == "" {
		t.Fatalf("ID token nonce %q at_hash %q", idt.Nonce, idt.AccessTokenHash)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	info, err := provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil || info.Email != "alice@example.com" || !info.EmailVerified || info.Subject != idt.Subject {
		t.Fatalf("userinfo: %+v %v", info, err)
	}

	// Replaying the code fails and revokes what it issued.
	if _, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a used code was accepted again")
	}
	if r := get(t, issuer+"/oauth2/userinfo", "Authorization", "Bearer "+tok.AccessToken); r.Status != 401 {
		t.Fatalf("tokens from a replayed code still work: %d", r.Status)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
}

// signInAndAllow opens authURL in the browser, signs alice in (password
// "correct horse battery") and allows the client on the consent page,
// saving screenshots of both pages under the name prefix; it returns
// once the client's callback page shows.
func signInAndAllow(t *testing.T, ctx context.Context, n *node, authURL, prefix string) {
	t.Helper()
	C := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(C("#username"))); err != nil {
		t.Fatalf("login page: %v\nserver log:\n%s", err, n.Stderr)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		artifact(t, prefix+"login.png", png)
	}
	err := chromedp.Do(ctx,
		chromedp.SendKeys(C("#username"), "alice"),
		chromedp.SendKeys(C("#password"), "correct horse battery"),
		chromedp.Submit(C("#password")),
		chromedp.WaitVisible(C("button[value=allow]")))
	if err != nil {
		t.Fatalf("consent page: %v\nserver log:\n%s", err, n.Stderr)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		artifact(t, prefix+"consent.png", png)
	}
	if err := chromedp.Do(ctx, chromedp.Click(C("button[value=allow]")), chromedp.WaitVisible(C("#done"))); err != nil {
		t.Fatalf("after consent: %v\nserver log:\n%s", err, n.Stderr)
	}
}

// TestRefreshRotationAndReuse: a refresh token rotates on use; replaying
// the old one revokes the family; revocation works.
func TestRefreshRotationAndReuse(t *testing.T) {
	ctx := browser(t)
	n := startNode(t, nodeOpts{})
	n.cliInput("correct horse battery\n", "user", "add", "--username", "bob", "--password-stdin")
	cb := startCallback(t)
	reg := n.mustRegister("default", n.iat("default", 1), fmt.Sprintf(`{"application_type":"native","token_endpoint_auth_method":"none",
		"redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],"scope":"openid offline_access"}`, cb.URL))
	issuer := n.Base + "/default"
	conf := oauth2.Config{ClientID: reg["client_id"].(string), RedirectURL: cb.URL, Scopes: []string{"openid", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/oauth2/authorize", TokenURL: issuer + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	err := chromedp.Do(ctx,
		chromedp.Navigate(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "bob"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("button[value=allow]")),
		chromedp.Click(chromedp.CSS("button[value=allow]")),
		chromedp.WaitVisible(chromedp.CSS("#done")),
	)
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, n.Stderr)
	}
	first, err := conf.Exchange(context.Background(), (<-cb.got).Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(rt string) (*oauth2.Token, error) {
		return conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt, Expiry: time.Now().Add(-time.Hour)}).Token()
	}
	second, err := refresh(first.RefreshToken)
	if err != nil || second.RefreshToken == first.RefreshToken {
		t.Fatalf("rotation: %v", err)
	}
	var re *oauth2.RetrieveError
	if _, err := refresh(first.RefreshToken); !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("reuse of a rotated refresh token: %v", err)
	}
	if _, err := refresh(second.RefreshToken); err == nil {
		t.Fatal("the family survived a reuse")
	}

	// prompt=none with a session and remembered consent: straight back with a code.
	v2 := oauth2.GenerateVerifier()
	if err := chromedp.Do(ctx, chromedp.Navigate(conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(v2), oauth2.SetAuthURLParam("prompt", "none"))),
		chromedp.WaitVisible(chromedp.CSS("#done"))); err != nil {
		t.Fatal(err)
	}
	q := <-cb.got
	if q.Get("code") == "" || q.Get("state") != "s2" {
		t.Fatalf("prompt=none with a session: %v", q)
	}
	if _, err := conf.Exchange(context.Background(), "", oauth2.VerifierOption(v2)); err == nil {
		t.Fatal("an empty code was accepted")
	}
	third, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v2))
	if err != nil {
		t.Fatalf("the code of prompt=none: %v", err)
	}
	// A token of this new grant works until the client revokes it (the
	// first grant's tokens are revoked already, by the reuse).
	userinfo := func() response {
		return get(t, issuer+"/oauth2/userinfo", "Authorization", "Bearer "+third.AccessToken)
	}
	if r := userinfo(); r.Status != 200 {
		t.Fatalf("userinfo with the new grant's token: %d %s", r.Status, r.Body)
	}
	r := postForm(t, issuer+"/oauth2/revoke", url.Values{"token": {third.AccessToken}, "client_id": {conf.ClientID}})
	if r.Status != 200 {
		t.Fatalf("revocation by a public client: %d %s", r.Status, r.Body)
	}
	if r := userinfo(); r.Status != 401 || !strings.Contains(string(r.Body)+r.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("a revoked access token at userinfo: %d %s", r.Status, r.Body)
	}
}
