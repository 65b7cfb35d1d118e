package e2e

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
)

// startTLSCallback is a web client's https redirect target (FAPI 2.0
// §5.3.2.2-8 allows no other), with a server certificate from the TLS
// nodes' CA, which the browser is told to trust.
func startTLSCallback(t *testing.T) *callback {
	t.Helper()
	sc := serverRoot.serverCert(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{sc.TLS}})
	if err != nil {
		t.Fatal(err)
	}
	cb := &callback{URL: "https://" + ln.Addr().String() + "/callback", got: make(chan url.Values, 4)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		cb.got <- r.URL.Query()
		fmt.Fprint(w, "<html><body><p id=done>signed in</p></body></html>")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return cb
}

// trustServerRoot has Chromium accept certificates that chain to the TLS
// nodes' CA (the servers send it after their leaf), by its key's pin, and
// no others.
func trustServerRoot() chromedp.ExecAllocatorOption {
	sum := sha256.Sum256(serverRoot.Cert.RawSubjectPublicKeyInfo)
	return chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(sum[:]))
}

// TestFAPI2CodeFlowInBrowser is a FAPI 2.0 Security Profile code flow
// through the real binary over TLS, signed in in headless Chromium: a
// tls_client_auth client pushes its request (PAR) with its certificate and
// a PKCE S256 challenge; the browser brings only the request_uri to the
// authorization endpoint; the answer carries iss; the code, redeemed with
// the certificate and the verifier, gives an access token bound to the
// certificate (cnf x5t#S256), which userinfo takes only with it.
func TestFAPI2CodeFlowInBrowser(t *testing.T) {
	ctx := browser(t, trustServerRoot())
	ca := newTestCA(t, "Bank Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca, YAML: fapi2YAML})
	issuer := n.Base + "/bank"
	if out, err := n.cliInput("correct horse battery\n", "user", "add", "--workspace", "bank", "--username", "alice",
		"--email", "alice@example.com", "--email-verified", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	cb := startTLSCallback(t)
	cert := ca.clientCert(t, certOpts{Subject: dn("CN", "bank-app", "O", "Bank", "C", "GB")})
	reg := n.mustRegister("bank", n.iat("bank", 1), fmt.Sprintf(`{
		"client_name":"Bank app","redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],
		"scope":"openid email","token_endpoint_auth_method":"tls_client_auth",
		"tls_client_auth_subject_dn":"CN=bank-app,O=Bank,C=GB"}`, cb.URL))
	id := reg["client_id"].(string)
	if reg["tls_client_certificate_bound_access_tokens"] != true {
		t.Fatalf("a FAPI 2.0 client not registered for bound tokens: %v", reg)
	}

	verifier := oauth2.GenerateVerifier()
	pushed := postFormCert(t, cert, issuer+"/oauth2/par", url.Values{
		"client_id": {id}, "response_type": {"code"}, "redirect_uri": {cb.URL}, "scope": {"openid email"},
		"state": {"state-123"}, "nonce": {"nonce-456"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	if pushed.Status != http.StatusCreated {
		t.Fatalf("PAR with the client certificate: %d %s", pushed.Status, pushed.Body)
	}
	requestURI := pushed.JSON(t)["request_uri"].(string)

	C := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	authURL := issuer + "/oauth2/authorize?" + url.Values{"client_id": {id}, "request_uri": {requestURI}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(C("#username"))); err != nil {
		t.Fatalf("login page: %v\nserver log:\n%s", err, n.Stderr)
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
		artifact(t, "fapi2-consent.png", png)
	}
	if err := chromedp.Do(ctx, chromedp.Click(C("button[value=allow]")), chromedp.WaitVisible(C("#done"))); err != nil {
		t.Fatalf("after consent: %v\nserver log:\n%s", err, n.Stderr)
	}
	q := <-cb.got
	if q.Get("state") != "state-123" || q.Get("iss") != issuer || q.Get("code") == "" {
		t.Fatalf("authorization response: %v; want the state, iss %s and a code", q, issuer)
	}

	redeem := url.Values{"grant_type": {"authorization_code"}, "client_id": {id}, "code": {q.Get("code")},
		"redirect_uri": {cb.URL}, "code_verifier": {verifier}}
	// Without the certificate the client cannot even authenticate.
	wantError(t, postForm(t, issuer+"/oauth2/token", redeem), 401, "invalid_client")
	r := postFormCert(t, cert, issuer+"/oauth2/token", redeem)
	if r.Status != 200 {
		t.Fatalf("code exchange with the certificate: %d %s", r.Status, r.Body)
	}
	tok := r.JSON(t)
	access, _ := tok["access_token"].(string)
	cnf, _ := jwtClaims(t, access)["cnf"].(map[string]any)
	if cnf["x5t#S256"] != cert.thumbprint() {
		t.Fatalf("access token cnf %v; want x5t#S256 %s", cnf, cert.thumbprint())
	}
	if tok["id_token"] == nil || jwtHeader(t, tok["id_token"].(string))["alg"] == "RS256" {
		t.Fatalf("ID token %v; want one signed with a FAPI alg", tok["id_token"])
	}

	// The bound token works only with its certificate.
	if u := getCert(t, cert, issuer+"/oauth2/userinfo", "Authorization", "Bearer "+access); u.Status != 200 || u.JSON(t)["email"] != "alice@example.com" {
		t.Fatalf("userinfo with the certificate: %d %s", u.Status, u.Body)
	}
	wantError(t, get(t, issuer+"/oauth2/userinfo", "Authorization", "Bearer "+access), 401, "invalid_token")
	other := ca.clientCert(t, certOpts{Subject: dn("CN", "bank-app", "O", "Bank", "C", "GB")})
	wantError(t, getCert(t, other, issuer+"/oauth2/userinfo", "Authorization", "Bearer "+access), 401, "invalid_token")

	// The request_uri was spent by the sign-in.
	if again := get(t, authURL); again.Status == http.StatusOK {
		t.Fatalf("a pushed request used twice: %d", again.Status)
	}
}

// TestFAPI2TokensAreBoundForKeyAuthenticatedClients: a private_key_jwt
// client of a FAPI 2.0 workspace authenticates with its key, yet gets no
// token without a certificate to bind it to, and with one gets a token
// carrying its thumbprint.
func TestFAPI2TokensAreBoundForKeyAuthenticatedClients(t *testing.T) {
	n := startNode(t, nodeOpts{TLS: true, YAML: fapi2YAML})
	issuer := n.Base + "/bank"
	key := newAssertionKey(t, "k1")
	reg := n.mustRegister("bank", n.iat("bank", 1), fmt.Sprintf(`{"grant_types":["client_credentials"],"scope":"openid",
		"token_endpoint_auth_method":"private_key_jwt","jwks":%s}`, key.jwks))
	id := reg["client_id"].(string)
	form := func() url.Values { return withAssertion(ccForm("openid"), key.sign(t, assertionClaims(n, id, issuer))) }

	wantError(t, postForm(t, issuer+"/oauth2/token", form()), 400, "invalid_request", "certificate")
	// Any certificate binds: private_key_jwt proves the client; the
	// certificate only holds the token to the caller (RFC 8705 §3).
	self := selfSignedCert(t, certOpts{Subject: dn("CN", "bank-app")})
	r := postFormCert(t, self, issuer+"/oauth2/token", form())
	if r.Status != 200 {
		t.Fatalf("token with a certificate: %d %s", r.Status, r.Body)
	}
	cnf, _ := jwtClaims(t, r.JSON(t)["access_token"].(string))["cnf"].(map[string]any)
	if cnf["x5t#S256"] != self.thumbprint() {
		t.Fatalf("cnf %v; want the certificate's thumbprint", cnf)
	}
}
