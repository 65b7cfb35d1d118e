package e2e

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

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
	return serveCallback(t, ln, "https")
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
	// A grant lives 600 s, so that the kept refresh token's end is reached.
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca, YAML: fapi2YAML + "    refresh_token_ttl: 600\n"})
	issuer := n.Base + "/bank"
	if out, err := n.cliInput("correct horse battery\n", "user", "add", "--workspace", "bank", "--username", "alice",
		"--email", "alice@example.com", "--email-verified", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	cb := startTLSCallback(t)
	cert := ca.clientCert(t, certOpts{Subject: dn("CN", "bank-app", "O", "Bank", "C", "GB")})
	reg := n.mustRegister("bank", n.iat("bank", 1), fmt.Sprintf(`{
		"client_name":"Bank app","redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],
		"scope":"openid email offline_access","token_endpoint_auth_method":"tls_client_auth","refresh_token_idle_lifetime":120,
		"tls_client_auth_subject_dn":"CN=bank-app,O=Bank,C=GB"}`, cb.URL))
	id := reg["client_id"].(string)
	if reg["tls_client_certificate_bound_access_tokens"] != true {
		t.Fatalf("a FAPI 2.0 client not registered for bound tokens: %v", reg)
	}

	verifier := oauth2.GenerateVerifier()
	pushed := postFormCert(t, cert, issuer+"/oauth2/par", url.Values{
		"client_id": {id}, "response_type": {"code"}, "redirect_uri": {cb.URL}, "scope": {"openid email offline_access"},
		"state": {"state-123"}, "nonce": {"nonce-456"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	if pushed.Status != http.StatusCreated {
		t.Fatalf("PAR with the client certificate: %d %s", pushed.Status, pushed.Body)
	}
	par := pushed.JSON(t)
	requestURI := par["request_uri"].(string)
	if ttl, _ := par["expires_in"].(float64); ttl <= 0 || ttl >= 600 {
		t.Fatalf("request_uri expires_in %v; want under 600 s (FAPI 2.0 §5.3.2.2-12)", par["expires_in"])
	}

	authURL := issuer + "/oauth2/authorize?" + url.Values{"client_id": {id}, "request_uri": {requestURI}}.Encode()
	signInAndAllow(t, ctx, n, authURL, "fapi2-")
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

	// FAPI 2.0 §5.3.2.1-10: the refresh token is not rotated. It serves
	// again and again, is handed back as it is, and each access token it
	// gets is bound like the first.
	refresh, _ := tok["refresh_token"].(string)
	if refresh == "" {
		t.Fatalf("no refresh token for a client registered for the refresh_token grant: %v", tok)
	}
	refreshForm := url.Values{"grant_type": {"refresh_token"}, "client_id": {id}, "refresh_token": {refresh}}
	for i := range 2 {
		r := postFormCert(t, cert, issuer+"/oauth2/token", refreshForm)
		if r.Status != 200 {
			t.Fatalf("refresh %d with the same refresh token: %d %s", i+1, r.Status, r.Body)
		}
		got := r.JSON(t)
		if got["refresh_token"] != refresh {
			t.Fatalf("refresh %d handed back refresh token %v; want the one presented", i+1, got["refresh_token"])
		}
		if cnf, _ := jwtClaims(t, got["access_token"].(string))["cnf"].(map[string]any); cnf["x5t#S256"] != cert.thumbprint() {
			t.Fatalf("refreshed access token cnf %v; want x5t#S256 %s", cnf, cert.thumbprint())
		}
	}

	// The request_uri was spent by the sign-in.
	if again := get(t, authURL); again.Status == http.StatusOK {
		t.Fatalf("a pushed request used twice: %d", again.Status)
	}

	// Signed in, consent remembered: a new pushed request comes straight
	// back with a code, which is dead 60 seconds on (FAPI 2.0 §5.3.2.1-12).
	pushed = postFormCert(t, cert, issuer+"/oauth2/par", url.Values{
		"client_id": {id}, "response_type": {"code"}, "redirect_uri": {cb.URL}, "scope": {"openid email"},
		"state": {"state-2"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	if pushed.Status != http.StatusCreated {
		t.Fatalf("second PAR: %d %s", pushed.Status, pushed.Body)
	}
	authURL = issuer + "/oauth2/authorize?" + url.Values{"client_id": {id}, "request_uri": {pushed.JSON(t)["request_uri"].(string)}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.CSS("#done"))); err != nil {
		t.Fatalf("second authorization: %v\nserver log:\n%s", err, n.Stderr)
	}
	q = <-cb.got
	n.advance(61 * time.Second)
	redeem.Set("code", q.Get("code"))
	wantError(t, postFormCert(t, cert, issuer+"/oauth2/token", redeem), 400, "invalid_grant")

	// The kept refresh token's idle lifetime (120 s) starts again with
	// each use, but never past its grant's end, 600 s from the code
	// exchange; then it is refused.
	grantEnd := jwtClaims(t, access)["iat"].(float64) + 600
	for i := range 5 { // 450 s of use in steps within the idle lifetime
		step := 100 * time.Second
		if i == 0 {
			step = 50 * time.Second // 61 s have passed since the last refresh
		}
		n.advance(step)
		if r := postFormCert(t, cert, issuer+"/oauth2/token", refreshForm); r.Status != 200 {
			t.Fatalf("refresh within the idle lifetime, %v s before the grant's end: %d %s", grantEnd-float64(n.now().Unix()), r.Status, r.Body)
		}
	}
	introspected := postFormCert(t, cert, issuer+"/oauth2/introspect", url.Values{"client_id": {id}, "token": {refresh}}).JSON(t)
	if introspected["active"] != true || introspected["exp"] != grantEnd {
		t.Fatalf("the kept refresh token introspects as %v; want active until the grant's end %v", introspected, grantEnd)
	}
	n.advance(time.Unix(int64(grantEnd)+1, 0).Sub(n.now()))
	wantError(t, postFormCert(t, cert, issuer+"/oauth2/token", refreshForm), 400, "invalid_grant", "the refresh token has expired")
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
