package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/config"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"golang.org/x/oauth2/clientcredentials"
)

// TestFirstStart is README's first minutes: bootstrap client, discovery in
// every form, JWKS, a JWT access token verified with a third-party JOSE
// library, introspection, revocation, x/oauth2.
func TestFirstStart(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	issuer := n.Base + "/default"
	// Logs go to stderr; stdout holds only what a user must copy.
	if out := n.Stdout.String(); strings.Contains(out, "level=") || strings.Contains(out, `"level"`) {
		t.Errorf("log lines on stdout:\n%s", out)
	}

	for _, path := range []string{
		"/default/.well-known/openid-configuration",
		"/default/.well-known/oauth-authorization-server",
		"/.well-known/oauth-authorization-server/default",
		"/.well-known/openid-configuration/default",
	} {
		r := get(t, n.Base+path, "Origin", "https://spa.example")
		if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d, CORS %q, %s", path, r.Status, r.Header.Get("Access-Control-Allow-Origin"), r.Header.Get("Content-Type"))
		}
		m := r.JSON(t)
		if m["issuer"] != issuer || m["token_endpoint"] != issuer+"/oauth2/token" || m["registration_endpoint"] != issuer+"/oauth2/register" {
			t.Fatalf("%s: issuer/endpoints wrong: %v", path, m)
		}
		for _, field := range []string{"jwks_uri", "grant_types_supported", "token_endpoint_auth_methods_supported", "response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported", "introspection_endpoint", "revocation_endpoint", "code_challenge_methods_supported"} {
			if _, ok := m[field]; !ok {
				t.Errorf("%s lacks %s", path, field)
			}
		}
		// Request objects by value; request_uri only as the pushed
		// authorization request endpoint issues it (RFC 9126 §5).
		for _, field := range []string{"request_parameter_supported", "request_uri_parameter_supported", "authorization_response_iss_parameter_supported"} {
			if m[field] != true {
				t.Errorf("%s = %v; want true", field, m[field])
			}
		}
		if m["pushed_authorization_request_endpoint"] != issuer+"/oauth2/par" {
			t.Errorf("pushed_authorization_request_endpoint = %v", m["pushed_authorization_request_endpoint"])
		}
	}
	if r := get(t, n.Base+"/nope/.well-known/openid-configuration"); r.Status != 404 || r.JSON(t)["error"] == nil {
		t.Fatalf("unknown workspace: %d %s", r.Status, r.Body)
	}

	jwksResp := get(t, issuer+"/.well-known/jwks.json")
	if jwksResp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("JWKS without CORS")
	}
	if strings.Contains(string(jwksResp.Body), `"d"`) {
		t.Fatal("JWKS contains a private member")
	}
	set, err := jwk.Parse(jwksResp.Body)
	if err != nil || set.Len() != 3 {
		t.Fatalf("JWKS: %v, %d keys", err, set.Len())
	}

	tr := postForm(t, issuer+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"dcr"}}, "Authorization", basicAuth(id, secret))
	checkTokenHeaders(t, tr)
	tok := tr.JSON(t)
	if tr.Status != 200 || tok["token_type"] != "Bearer" || tok["scope"] != "dcr" || tok["expires_in"] == nil {
		t.Fatalf("token response %d %v", tr.Status, tok)
	}
	at := tok["access_token"].(string)
	claims := verifyAccessToken(t, at, set, "ES256")
	if claims["iss"] != issuer || claims["client_id"] != id || claims["sub"] != id {
		t.Fatalf("claims %v; want iss %s, client_id and sub %s", claims, issuer, id)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != tok["expires_in"].(float64) {
		t.Errorf("exp-iat = %v but expires_in = %v", exp-iat, tok["expires_in"])
	}

	if in := n.introspect("default", id, secret, at); in["active"] != true || in["client_id"] != id {
		t.Fatalf("introspection %v", in)
	}
	r := postForm(t, issuer+"/oauth2/revoke", url.Values{"token": {at}}, "Authorization", basicAuth(id, secret))
	if r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if in := n.introspect("default", id, secret, at); len(in) != 1 || in["active"] != false {
		t.Fatalf("revoked token introspects as %v; want exactly {active:false}", in)
	}
	if r := postForm(t, issuer+"/oauth2/revoke", url.Values{"token": {"never-issued"}}, "Authorization", basicAuth(id, secret)); r.Status != 200 {
		t.Fatalf("revoking an unknown token: %d", r.Status)
	}

	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: issuer + "/oauth2/token", Scopes: []string{"dcr"}}
	if tok, err := cc.Token(context.Background()); err != nil || tok.AccessToken == "" {
		t.Fatalf("golang.org/x/oauth2 clientcredentials: %v", err)
	}

	metrics := n.metrics()
	for _, name := range []string{"registrar_http_requests_total", "registrar_http_request_duration_seconds", "registrar_tokens_issued_total"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// The counters name every workspace: not on the issuer's listener.
	if r := get(t, n.Base+"/metrics"); r.Status != 404 || strings.Contains(string(r.Body), "registrar_") {
		t.Errorf("the public listener answers /metrics: %d\n%s", r.Status, r.Body)
	}
	if strings.Contains(n.Stderr.String(), secret) {
		t.Fatal("the bootstrap secret appears in the logs")
	}
}

// checkTokenHeaders: RFC 6749 §5.1 — a response carrying a token is JSON
// and must not be cached by the client or any intermediary.
func checkTokenHeaders(t testing.TB, r response) {
	t.Helper()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Pragma") != "no-cache" {
		t.Errorf("token response headers: Content-Type %q, Cache-Control %q, Pragma %q", r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"), r.Header.Get("Pragma"))
	}
}

// verifyAccessToken checks an RFC 9068 access token against set as a
// resource server would: typ at+jwt, the workspace's algorithm (never the
// one the token names for itself), a kid the JWKS publishes, every
// required claim. It returns the claims.
func verifyAccessToken(t testing.TB, at string, set jwk.Set, alg string) map[string]any {
	t.Helper()
	h := jwtHeader(t, at)
	if h["typ"] != "at+jwt" || h["alg"] != alg {
		t.Fatalf("header %v; want typ at+jwt (RFC 9068 §2.1), alg %s", h, alg)
	}
	kid, _ := h["kid"].(string)
	key, ok := set.LookupKeyID(kid)
	if !ok {
		t.Fatalf("kid %q is not in the JWKS", kid)
	}
	sigAlg, known := jwa.LookupSignatureAlgorithm(alg)
	if !known {
		t.Fatalf("unknown algorithm %s", alg)
	}
	payload, err := jws.Verify([]byte(at), jws.WithKey(sigAlg, key))
	if err != nil {
		t.Fatalf("access token does not verify with JWKS key %s: %v", kid, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"} {
		if claims[c] == nil {
			t.Errorf("RFC 9068 claim %s missing: %v", c, claims)
		}
	}
	return claims
}

// TestTokenEndpointRefusesBadInput: every client mistake gets its RFC 6749
// §5.2 error and status, never a 500, and changes nothing stored.
func TestTokenEndpointRefusesBadInput(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	postID, postSecret := n.createClient("default", "--grant-type", "client_credentials", "--scope", "dcr", "--auth-method", "client_secret_post")
	tokenURL := n.Base + "/default/oauth2/token"
	clientsBefore, issuedBefore := n.clientList("default"), n.metricSum("registrar_tokens_issued_total")
	for _, tc := range badTokenRequests(id, secret, postID, postSecret) {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tokenURL, strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			setHeaders(req, tc.headers)
			r := do(t, req)
			m := r.JSON(t)
			if r.Status != tc.status || m["error"] != tc.code || m["error_description"] == nil {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if tc.status == 401 && req.Header.Get("Authorization") != "" && r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 for a Basic header without WWW-Authenticate (RFC 6749 §5.2)")
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Error("error response without Cache-Control: no-store")
			}
			if tc.status == 405 && !strings.Contains(r.Header.Get("Allow"), "POST") {
				t.Errorf("405 with Allow %q; RFC 9110 §15.5.6 wants the allowed methods", r.Header.Get("Allow"))
			}
		})
	}
	if after := n.clientList("default"); after != clientsBefore {
		t.Errorf("bad requests changed the clients:\nbefore %s\nafter %s", clientsBefore, after)
	}
	if after := n.metricSum("registrar_tokens_issued_total"); after != issuedBefore {
		t.Errorf("bad requests issued tokens: %v → %v", issuedBefore, after)
	}
	// Without the secret, a registered id reads exactly like an unknown one.
	unknown := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth("nobody", "x")).JSON(t)
	for name, h := range map[string]string{"basic with a wrong secret for a post client": basicAuth(postID, "wrong"), "basic for a post client, no secret": basicAuth(postID, "")} {
		if m := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}}, "Authorization", h).JSON(t); m["error_description"] != unknown["error_description"] {
			t.Errorf("%s: %q; an unknown client gets %q, so the id's existence leaks", name, m["error_description"], unknown["error_description"])
		}
	}
	// A client_id alone reads the same for a registered id and an unknown one.
	unknownAlone := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}}).JSON(t)
	if m := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}).JSON(t); m["error_description"] != unknownAlone["error_description"] {
		t.Errorf("client_id alone for a basic client: %q; want %q", m["error_description"], unknownAlone["error_description"])
	}
	// RFC 6749 §5.2: a grant the client is not registered for.
	codeID, codeSecret := n.createClient("default", "--grant-type", "authorization_code", "--redirect-uri", "https://app.example/cb", "--scope", "openid")
	r := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(codeID, codeSecret))
	if m := r.JSON(t); r.Status != 400 || m["error"] != "unauthorized_client" {
		t.Errorf("client_credentials for a code-only client: %d %s; want 400 unauthorized_client", r.Status, r.Body)
	}
	// The post client works with its own method.
	r = postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {postID}, "client_secret": {postSecret}})
	if r.Status != 200 {
		t.Fatalf("client_secret_post: %d %s", r.Status, r.Body)
	}
	checkTokenHeaders(t, r)
	if strings.Contains(n.Stderr.String(), postSecret) || strings.Contains(n.Stderr.String(), secret) {
		t.Fatal("a client secret reached the logs")
	}
}

type badTokenRequest struct {
	name        string
	method      string
	contentType string
	body        string
	headers     []string
	status      int
	code        string
}

// badTokenRequests lists one client mistake per case; id/secret are a
// client_secret_basic client, postID/postSecret a client_secret_post one.
func badTokenRequests(id, secret, postID, postSecret string) []badTokenRequest {
	const form, ct = "grant_type=client_credentials", "application/x-www-form-urlencoded"
	basic := []string{"Authorization", basicAuth(id, secret)}
	raw := func(s string) []string {
		return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(s))}
	}
	return []badTokenRequest{
		{"wrong secret", "POST", ct, form, []string{"Authorization", basicAuth(id, "wrong")}, 401, "invalid_client"},
		{"unknown client", "POST", ct, form, []string{"Authorization", basicAuth("nobody", "x")}, 401, "invalid_client"},
		{"no credentials", "POST", ct, form, nil, 401, "invalid_client"},
		{"malformed basic", "POST", ct, form, []string{"Authorization", "Basic !!!"}, 401, "invalid_client"},
		{"basic without colon", "POST", ct, form, raw(id), 401, "invalid_client"},
		{"basic with empty secret", "POST", ct, form, raw(id + ":"), 401, "invalid_client"},
		// RFC 6749 §2.3.1: the id is form-decoded, so a bad escape is a bad credential.
		{"basic with a bad escape", "POST", ct, form, raw("%zz:" + secret), 401, "invalid_client"},
		{"post secret of a basic client", "POST", ct, form + "&client_id=" + id + "&client_secret=" + secret, nil, 401, "invalid_client"},
		{"basic for a post client", "POST", ct, form, []string{"Authorization", basicAuth(postID, postSecret)}, 401, "invalid_client"},
		{"post client with wrong secret", "POST", ct, form + "&client_id=" + postID + "&client_secret=wrong", nil, 401, "invalid_client"},
		{"unknown grant", "POST", ct, "grant_type=password&username=a&password=b", basic, 400, "unsupported_grant_type"},
		{"missing grant", "POST", ct, "scope=dcr", basic, 400, "invalid_request"},
		{"scope not allowed", "POST", ct, form + "&scope=openid", basic, 400, "invalid_scope"},
		{"scope unknown to the workspace", "POST", ct, form + "&scope=launch-missiles", basic, 400, "invalid_scope"},
		// RFC 6749 §3.3: a scope token is printable ASCII only.
		{"scope with invalid UTF-8", "POST", ct, form + "&scope=%FF", basic, 400, "invalid_scope"},
		// RFC 6749 §2.3: one client per request, however it is named.
		{"body client_id differs from basic", "POST", ct, form + "&client_id=" + postID, basic, 401, "invalid_client"},
		{"body over 64 KiB", "POST", ct, form + "&pad=" + strings.Repeat("x", 70<<10), basic, 413, "invalid_request"},
		{"json body", "POST", "application/json", `{"grant_type":"client_credentials"}`, basic, 400, "invalid_request"},
		{"no content type", "POST", "", form, basic, 400, "invalid_request"},
		{"malformed form", "POST", ct, "grant_type=%zz", basic, 400, "invalid_request"},
		{"repeated parameter", "POST", ct, form + "&scope=dcr&scope=dcr", basic, 400, "invalid_request"},
		{"repeated grant_type", "POST", ct, form + "&" + form, basic, 400, "invalid_request"},
		{"basic and post at once", "POST", ct, form + "&client_secret=" + postSecret, []string{"Authorization", basicAuth(postID, postSecret)}, 400, "invalid_request"},
		{"GET", "GET", "", "", nil, 405, "invalid_request"},
		{"PUT", "PUT", ct, form, basic, 405, "invalid_request"},
	}
}

// TestTokenEndpointAcceptsWhatRFCsAllow: the lenient side of the same
// rules, each a shape real clients send.
func TestTokenEndpointAcceptsWhatRFCsAllow(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	tokenURL := n.Base + "/default/oauth2/token"
	// Every byte percent-encoded: RFC 6749 §2.3.1 has the server
	// form-decode the id and secret, so this must equal the plain header.
	escaped := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	}
	encodedBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte(escaped(id)+":"+escaped(secret)))
	for _, tc := range []struct {
		name        string
		contentType string
		body        string
		auth        string
		scope       string
	}{
		{"percent-encoded basic credentials", "application/x-www-form-urlencoded", "grant_type=client_credentials", encodedBasic, "dcr"},
		{"charset parameter on the content type", "application/x-www-form-urlencoded; charset=UTF-8", "grant_type=client_credentials&scope=dcr", basicAuth(id, secret), "dcr"},
		// RFC 6749 §3.1: a parameter without a value is treated as omitted.
		{"empty scope means the default", "application/x-www-form-urlencoded", "grant_type=client_credentials&scope=", basicAuth(id, secret), "dcr"},
		{"basic with the same client_id in the body", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=" + id, basicAuth(id, secret), "dcr"},
		{"lower-case basic scheme", "application/x-www-form-urlencoded", "grant_type=client_credentials", "basic " + strings.TrimPrefix(basicAuth(id, secret), "Basic "), "dcr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, tokenURL, tc.contentType, tc.body, "Authorization", tc.auth)
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			checkTokenHeaders(t, r)
			if m := r.JSON(t); m["scope"] != tc.scope {
				t.Errorf("scope %v, want %s", m["scope"], tc.scope)
			}
		})
	}
}

// TestOpaqueTokensRestartAndRotation: a YAML-declared opaque workspace, a
// CLI-made client, a restart that keeps everything and prints no secret,
// and a key rotation seen by the running server.
func TestOpaqueTokensRestartAndRotation(t *testing.T) {
	dir := t.TempDir()
	yaml := "workspaces:\n  - name: opaque\n    access_token_format: opaque\n" + shortJWKSMaxAge
	n := startNode(t, nodeOpts{Dir: dir, YAML: yaml})
	bootID, bootSecret := n.bootstrap()
	id, secret := n.createClient("opaque", "--grant-type", "client_credentials", "--scope", "profile email")
	if id == "" || secret == "" {
		t.Fatal("client create printed no credentials")
	}
	list := n.mustCLI("client", "list", "--workspace", "opaque", "--json")
	var clients []map[string]any
	if err := json.Unmarshal([]byte(list), &clients); err != nil || len(clients) != 1 || clients[0]["origin"] != "cli" {
		t.Fatalf("client list: %s", list)
	}
	tok := n.clientCredentials("opaque", id, secret, "profile")["access_token"].(string)
	if strings.Count(tok, ".") != 0 {
		t.Fatalf("opaque workspace issued a JWT: %s", tok)
	}
	if in := n.introspect("opaque", id, secret, tok); in["active"] != true || in["scope"] != "profile" {
		t.Fatalf("opaque introspection: %v", in)
	}
	jwt := n.clientCredentials("default", bootID, bootSecret, "dcr")["access_token"].(string)
	jwksBefore := string(get(t, n.Base+"/default/.well-known/jwks.json").Body)

	n.stop()
	n2 := startNode(t, nodeOpts{Dir: dir, YAML: yaml, Port: n.Port})
	if restart := n2.Stdout.String() + n2.Stderr.String(); strings.Contains(restart, "client_secret") || strings.Contains(restart, bootSecret) || strings.Contains(restart, secret) {
		t.Fatal("a restart printed a secret")
	}
	if in := n2.introspect("opaque", id, secret, tok); in["active"] != true {
		t.Fatal("opaque token lost across restart")
	}
	if in := n2.introspect("default", bootID, bootSecret, jwt); in["active"] != true {
		t.Fatal("JWT lost across restart")
	}
	if jwks := string(get(t, n2.Base+"/default/.well-known/jwks.json").Body); jwks != jwksBefore {
		t.Fatalf("keys changed across restart")
	}

	oldKids := n2.kids("default")
	sign := func() string {
		return n2.clientCredentials("default", bootID, bootSecret, "dcr")["access_token"].(string)
	}
	checkStagedRotation(t, n2, "default", sign)
	if in := n2.introspect("default", bootID, bootSecret, jwt); in["active"] != true {
		t.Fatal("a token signed before rotation stopped verifying")
	}
	if !oldKids[jwtHeader(t, jwt)["kid"].(string)] {
		t.Fatal("the token from before the restart was not signed with a key published then")
	}
}

// shortJWKSMaxAge declares the default workspace with a JWKS max-age of 3s,
// so that a rotation's pre-publication (max-age + the 500ms key refresh of
// baseEnv) lasts 3.5s instead of 90s.
const shortJWKSMaxAge = "  - name: default\n    jwks_max_age: 3\n"

// checkStagedRotation runs `keys rotate` on n and checks the rotation is
// staged: the new kids are in n's JWKS within a key refresh, long before
// they sign; until their signs_from, sign() still gets tokens from an old
// kid; from then on, from a new one. It returns the new kids.
func checkStagedRotation(t *testing.T, n *node, ws string, sign func() string) map[string]bool {
	t.Helper()
	if got := get(t, n.Base+"/"+ws+"/.well-known/jwks.json").Header.Get("Cache-Control"); got != "public, max-age=3" {
		t.Fatalf("JWKS Cache-Control %q, want the workspace's jwks_max_age of 3s", got)
	}
	oldKids := n.kids(ws)
	r := n.rotateKeys(ws)
	if text := n.mustCLI("keys", "list", "--workspace", ws); !strings.Contains(text, "next") || !strings.Contains(text, "retiring") {
		t.Fatalf("keys list during the pre-publication shows no next and retiring keys:\n%s", text)
	}
	all := waitForNewKid(t, n, ws, oldKids)
	for _, k := range r.Keys {
		if !all[k.KID] {
			t.Fatalf("rotated-in kid %s is not in the JWKS %v", k.KID, all)
		}
	}
	tok := sign()
	if !n.now().Before(r.SignsFrom) {
		t.Fatalf("the first token after the rotation came after signs_from %v: too late to check the old keys still sign", r.SignsFrom)
	}
	if kid := jwtHeader(t, tok)["kid"].(string); !oldKids[kid] {
		t.Fatalf("a token issued before the new keys' signs_from carries kid %s, not an old one", kid)
	}
	n.advance(r.SignsFrom.Sub(n.now()))
	kid := jwtHeader(t, sign())["kid"].(string)
	if oldKids[kid] || !all[kid] {
		t.Fatalf("a token issued after signs_from %v carries kid %s; want one of the new keys", r.SignsFrom, kid)
	}
	return all
}

// rotation is `keys rotate --json`.
type rotation struct {
	Keys      []struct{ KID, Alg string }
	SignsFrom time.Time `json:"signs_from"`
}

func (n *node) rotateKeys(ws string) rotation {
	n.t.Helper()
	out := n.mustCLI("keys", "rotate", "--workspace", ws, "--json")
	var r rotation
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Keys) != 3 || r.SignsFrom.Sub(n.now()) < time.Second {
		n.t.Fatalf("keys rotate --json: want three keys signing 3.5s later: %s", out)
	}
	return r
}

// waitForNewKid polls ws's JWKS until it lists a kid not in old, and checks
// every old kid is still there (tokens they signed are alive).
func waitForNewKid(t testing.TB, n *node, ws string, old map[string]bool) map[string]bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		now := n.kids(ws)
		for kid := range old {
			if !now[kid] {
				t.Fatalf("kid %s left the JWKS while its tokens may be alive", kid)
			}
		}
		if len(now) > len(old) {
			return now
		}
		if time.Now().After(deadline) {
			t.Fatalf("JWKS still lists only %d old keys 10s after rotation", len(old))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestConfigErrorsNameTheKey: a bad value stops the start with its key named.
func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		args []string
		key  string
	}{
		{[]string{"serve", "--base-url", "http://example.com"}, "base_url"},
		{[]string{"serve", "--db", "mysql://x"}, "db (from --db):"},
		{[]string{"serve", "--listen", "nowhere"}, "listen"},
	} {
		cmd := exec.Command(binary, tc.args...)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.key) {
			t.Errorf("%v: err=%v output=%s; want a failure naming %s", tc.args, err, out, tc.key)
		}
	}
}

// TestBootstrapAfterCLIFirst: an operator whose first command writes to
// the store `registrar init` made, before the first `serve` (here an
// initial access token, which makes the default workspace and its keys),
// still gets the bootstrap client at that first start, and only then;
// what the CLI made still works.
func TestBootstrapAfterCLIFirst(t *testing.T) {
	dir := t.TempDir()
	if out, err := runIn(t, dir, "init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, err := jsonOut(t, dir, "iat", "create", "--json")
	var iat struct{ Token string }
	if err != nil || json.Unmarshal([]byte(out), &iat) != nil || iat.Token == "" {
		t.Fatalf("iat create on an empty store: %v\n%s", err, out)
	}
	n := startNode(t, nodeOpts{Dir: dir})
	id, secret := n.bootstrap()
	n.mustRegister("default", iat.Token, `{"grant_types":["client_credentials"]}`)
	if tok := n.clientCredentials("default", id, secret, "dcr"); tok["access_token"] == nil {
		t.Fatalf("bootstrap client gets no token: %v", tok)
	}
	n.stop()
	again := startNode(t, nodeOpts{Dir: dir})
	if bootSecretRE.MatchString(again.Stdout.String()) {
		t.Fatal("a restart printed another bootstrap client")
	}
}

// TestNoBootstrapClientWithoutARegistrationScope: a default workspace that
// names no registration scope takes operator initial access tokens only,
// so a bootstrap client could do nothing and none is made; once a start
// declares a scope, the store still has no client and the bootstrap
// client comes then.
func TestNoBootstrapClientWithoutARegistrationScope(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    registration:\n      scope: \"\"\n"})
	if bootSecretRE.MatchString(n.Stdout.String()) {
		t.Fatalf("a bootstrap client with no scope to get:\n%s", n.Stdout)
	}
	n.stop()
	again := startNode(t, nodeOpts{Dir: n.Dir, YAML: "workspaces:\n  - name: default\n"}) // declared: default settings, scope dcr
	if !bootSecretRE.MatchString(again.Stdout.String()) {
		t.Fatalf("no bootstrap client once the workspace names its registration scope:\n%s", again.Stdout)
	}
}

// TestMetricsOnlyOnItsListener: /metrics names every workspace and route,
// so it is served only on metrics_listen, which serves nothing else; with
// none set there is no /metrics at all.
func TestMetricsOnlyOnItsListener(t *testing.T) {
	n := startNode(t, nodeOpts{})
	m, _ := n.awaitOutput(n.Stdout, metricsRE, 5*time.Second)
	if m == nil {
		t.Fatalf("no metrics address printed:\n%s", n.Stdout)
	}
	if r := get(t, strings.TrimSuffix(m[1], "/metrics")+"/readyz"); r.Status != 404 {
		t.Errorf("the metrics listener answers /readyz: %d", r.Status)
	}
	if r := get(t, n.Base+"/metrics"); r.Status != 404 {
		t.Errorf("the public listener answers /metrics: %d", r.Status)
	}

	for _, args := range [][]string{{"--metrics-listen="}, {"--metrics-listen=off"}} {
		off := startNode(t, nodeOpts{Args: args})
		if r := get(t, off.Base+"/metrics"); r.Status != 404 || metricsRE.MatchString(off.Stdout.String()) {
			t.Errorf("%v: public /metrics %d, stdout:\n%s", args, r.Status, off.Stdout)
		}
	}

	// Nothing set: loopback on the default port, or, when another server
	// holds that port, no metrics and a warning rather than a failed start.
	def := startNode(t, nodeOpts{Env: []string{"REGISTRAR_METRICS_LISTEN="}})
	served := strings.Contains(def.Stdout.String(), "Metrics on http://"+config.DefaultMetricsListen+"/metrics")
	if !served && !strings.Contains(def.Stderr.String(), "default metrics_listen address is taken") {
		t.Errorf("with nothing set: neither metrics on %s nor the warning:\n%s%s", config.DefaultMetricsListen, def.Stdout, def.Stderr)
	}
}
