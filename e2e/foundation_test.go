package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

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
		if m["request_uri_parameter_supported"] != false {
			t.Errorf("request_uri_parameter_supported must be explicitly false")
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

	tok := n.clientCredentials("default", id, secret, "dcr")
	if tok["token_type"] != "Bearer" || tok["scope"] != "dcr" || tok["expires_in"] == nil {
		t.Fatalf("token response %v", tok)
	}
	at := tok["access_token"].(string)
	msg, err := jws.Parse([]byte(at))
	if err != nil {
		t.Fatal(err)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if typ, _ := hdr.Type(); typ != "at+jwt" {
		t.Fatalf("typ %q, want at+jwt (RFC 9068)", typ)
	}
	payload, err := jws.Verify([]byte(at), jws.WithKeySet(set, jws.WithRequireKid(true)))
	if err != nil {
		t.Fatalf("access token does not verify against the published JWKS: %v", err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	for _, c := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"} {
		if claims[c] == nil {
			t.Errorf("RFC 9068 claim %s missing: %v", c, claims)
		}
	}
	if claims["iss"] != issuer || claims["client_id"] != id {
		t.Fatalf("claims %v", claims)
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

	metrics := string(get(t, n.Base+"/metrics").Body)
	for _, name := range []string{"registrar_http_requests_total", "registrar_http_request_duration_seconds", "registrar_tokens_issued_total"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(n.Stderr.String(), secret) {
		t.Fatal("the bootstrap secret appears in the logs")
	}
}

// TestTokenEndpointRefusesBadInput: every client mistake gets its RFC 6749
// §5.2 error and status, never a 500.
func TestTokenEndpointRefusesBadInput(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	postID, postSecret := n.createClient("default", "--grant-type", "client_credentials", "--scope", "dcr", "--auth-method", "client_secret_post")
	tokenURL := n.Base + "/default/oauth2/token"
	form := "grant_type=client_credentials"
	cases := []struct {
		name        string
		method      string
		contentType string
		body        string
		headers     []string
		status      int
		code        string
	}{
		{"wrong secret", "POST", "application/x-www-form-urlencoded", form, []string{"Authorization", basicAuth(id, "wrong")}, 401, "invalid_client"},
		{"unknown client", "POST", "application/x-www-form-urlencoded", form, []string{"Authorization", basicAuth("nobody", "x")}, 401, "invalid_client"},
		{"no credentials", "POST", "application/x-www-form-urlencoded", form, nil, 401, "invalid_client"},
		{"malformed basic", "POST", "application/x-www-form-urlencoded", form, []string{"Authorization", "Basic !!!"}, 401, "invalid_client"},
		{"method other than registered", "POST", "application/x-www-form-urlencoded", form + "&client_id=" + id + "&client_secret=" + secret, nil, 401, "invalid_client"},
		{"unknown grant", "POST", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b", []string{"Authorization", basicAuth(id, secret)}, 400, "unsupported_grant_type"},
		{"missing grant", "POST", "application/x-www-form-urlencoded", "scope=dcr", []string{"Authorization", basicAuth(id, secret)}, 400, "invalid_request"},
		{"scope not allowed", "POST", "application/x-www-form-urlencoded", form + "&scope=openid", []string{"Authorization", basicAuth(id, secret)}, 400, "invalid_scope"},
		{"body over 64 KiB", "POST", "application/x-www-form-urlencoded", form + "&pad=" + strings.Repeat("x", 70<<10), []string{"Authorization", basicAuth(id, secret)}, 413, "request_too_large"},
		{"json body", "POST", "application/json", `{"grant_type":"client_credentials"}`, []string{"Authorization", basicAuth(id, secret)}, 400, "invalid_request"},
		{"malformed form", "POST", "application/x-www-form-urlencoded", "grant_type=%zz", []string{"Authorization", basicAuth(id, secret)}, 400, "invalid_request"},
		{"repeated parameter", "POST", "application/x-www-form-urlencoded", form + "&scope=dcr&scope=dcr", []string{"Authorization", basicAuth(id, secret)}, 400, "invalid_request"},
		{"basic and post at once", "POST", "application/x-www-form-urlencoded", form + "&client_secret=" + postSecret, []string{"Authorization", basicAuth(postID, postSecret)}, 400, "invalid_request"},
		{"GET", "GET", "", "", nil, 405, "method_not_allowed"},
	}
	for _, tc := range cases {
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
			if tc.status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Error("error response without Cache-Control: no-store")
			}
		})
	}
	// The post client works with its own method.
	r := postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {postID}, "client_secret": {postSecret}})
	if r.Status != 200 || r.Header.Get("Pragma") != "no-cache" {
		t.Fatalf("client_secret_post: %d %s", r.Status, r.Body)
	}
	if strings.Contains(n.Stderr.String(), postSecret) || strings.Contains(n.Stderr.String(), secret) {
		t.Fatal("a client secret reached the logs")
	}
}

// TestOpaqueTokensRestartAndRotation: a YAML-declared opaque workspace, a
// CLI-made client, a restart that keeps everything and prints no secret,
// and a key rotation seen by the running server.
func TestOpaqueTokensRestartAndRotation(t *testing.T) {
	dir := t.TempDir()
	yaml := "workspaces:\n  - name: opaque\n    access_token_format: opaque\n"
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

	n.stop(true)
	n2 := startNode(t, nodeOpts{Dir: dir, YAML: yaml, Port: n.Port})
	if strings.Contains(n2.Stdout.String(), "client_secret") || strings.Contains(n2.Stderr.String(), bootSecret) {
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

	out := n2.mustCLI("keys", "rotate", "--workspace", "default")
	if !strings.Contains(out, "new active ES256 key") {
		t.Fatalf("keys rotate: %s", out)
	}
	time.Sleep(time.Second) // the node re-reads keys every 500ms in tests
	var set struct{ Keys []map[string]any }
	json.Unmarshal(get(t, n2.Base+"/default/.well-known/jwks.json").Body, &set)
	if len(set.Keys) != 6 {
		t.Fatalf("JWKS after rotation lists %d keys; want old and new (6)", len(set.Keys))
	}
	if in := n2.introspect("default", bootID, bootSecret, jwt); in["active"] != true {
		t.Fatal("a token signed before rotation stopped verifying")
	}
	fresh := n2.clientCredentials("default", bootID, bootSecret, "dcr")["access_token"].(string)
	if strings.Split(fresh, ".")[0] == strings.Split(jwt, ".")[0] {
		t.Fatal("the server still signs with the retired key")
	}
}

// TestConfigErrorsNameTheKey: a bad value stops the start with its key named.
func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		args []string
		key  string
	}{
		{[]string{"serve", "--base-url", "http://example.com"}, "base_url"},
		{[]string{"serve", "--db", "mysql://x"}, "db:"},
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
