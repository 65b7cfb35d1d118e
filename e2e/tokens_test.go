package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// tokenWorld is one node with a workspace per token shape and clients in
// each, shared by the subtests of TestIntrospectionAndRevocation; every
// subtest makes its own tokens, so they do not interfere.
type tokenWorld struct {
	n *node
	// a and b are two clients of default; op of opaque; rs of partners
	// (RS256); short of a workspace whose tokens live a minute.
	a, b, op, rs, short cred
}

type cred struct{ ws, id, secret string }

const tokenWorldYAML = `workspaces:
  - name: opaque
    access_token_format: opaque
  - name: partners
    access_token_alg: RS256
  - name: short
    access_token_ttl: 60
`

func newTokenWorld(t *testing.T) *tokenWorld {
	n := startNode(t, nodeOpts{YAML: tokenWorldYAML})
	w := &tokenWorld{n: n}
	w.a.ws, w.b.ws, w.op.ws, w.rs.ws, w.short.ws = "default", "default", "opaque", "partners", "short"
	w.a.id, w.a.secret = n.bootstrap()
	for _, c := range []*cred{&w.b, &w.op, &w.rs, &w.short} {
		c.id, c.secret = n.createClient(c.ws, "--grant-type", "client_credentials", "--scope", "profile email")
	}
	return w
}

// token gets a client_credentials token for c, reporting to t.
func (w *tokenWorld) token(t testing.TB, c cred) string {
	t.Helper()
	scope := "profile"
	if c.ws == "default" && c.id == w.a.id {
		scope = "dcr"
	}
	return w.n.with(t).clientCredentials(c.ws, c.id, c.secret, scope)["access_token"].(string)
}

func (w *tokenWorld) introspect(t testing.TB, as cred, token string) map[string]any {
	t.Helper()
	return w.n.with(t).introspect(as.ws, as.id, as.secret, token)
}

func (w *tokenWorld) revoke(t testing.TB, as cred, form url.Values) response {
	t.Helper()
	return postForm(t, w.n.Base+"/"+as.ws+"/oauth2/revoke", form, "Authorization", basicAuth(as.id, as.secret))
}

// TestIntrospectionAndRevocation: RFC 7662 and RFC 7009 through the real
// binary, for JWT and opaque tokens, with the negative cases a token
// scanner or a confused client would try.
func TestIntrospectionAndRevocation(t *testing.T) {
	w := newTokenWorld(t)
	// Issued first, and seen active once now, so a cached verification
	// cannot outlive exp; its subtest, the last, moves the clock past it.
	expiring, expiringAt := w.token(t, w.short), w.n.now().Add(62*time.Second)
	if in := w.introspect(t, w.short, expiring); in["active"] != true {
		t.Fatalf("a fresh one-minute token: %v", in)
	}

	t.Run("active response", w.testActiveResponse)
	t.Run("callers must authenticate", w.testIntrospectionAuth)
	t.Run("inactive says only active false", w.testInactive)
	t.Run("revocation", w.testRevocation)
	t.Run("revocation refuses", w.testRevocationRefuses)
	t.Run("RS256 workspace", w.testRS256Workspace)
	t.Run("discovery and JWKS per workspace", w.testDiscoveryPerWorkspace)
	t.Run("expired token", func(t *testing.T) {
		w.n.with(t).advance(expiringAt.Sub(w.n.now()))
		if in := w.introspect(t, w.short, expiring); len(in) != 1 || in["active"] != false {
			t.Fatalf("a token past its exp introspects as %v; want exactly {active:false}", in)
		}
	})
}

// RFC 7662 §2.2: the members we promise for an active token.
func (w *tokenWorld) testActiveResponse(t *testing.T) {
	for _, c := range []cred{w.a, w.op} {
		tok := w.token(t, c)
		in := w.introspect(t, c, tok)
		if in["active"] != true || in["client_id"] != c.id || in["sub"] != c.id || in["iss"] != w.n.Base+"/"+c.ws {
			t.Fatalf("%s: %v", c.ws, in)
		}
		for _, m := range []string{"scope", "exp", "iat", "jti"} {
			if in[m] == nil {
				t.Errorf("%s: active introspection lacks %s: %v", c.ws, m, in)
			}
		}
		if tt, ok := in["token_type"]; ok && tt != "Bearer" {
			t.Errorf("%s: token_type %v", c.ws, tt)
		}
		// RFC 7009 §2.1: a hint is only a hint; a wrong one must not hide the token.
		r := postForm(t, w.n.Base+"/"+c.ws+"/oauth2/introspect", url.Values{"token": {tok}, "token_type_hint": {"refresh_token"}}, "Authorization", basicAuth(c.id, c.secret))
		if r.Status != 200 || r.JSON(t)["active"] != true {
			t.Errorf("%s: with a wrong token_type_hint: %d %s", c.ws, r.Status, r.Body)
		}
	}
}

// RFC 7662 §2.3: an unauthenticated caller gets 401, never an answer.
func (w *tokenWorld) testIntrospectionAuth(t *testing.T) {
	tok := w.token(t, w.a)
	u := w.n.Base + "/default/oauth2/introspect"
	form := url.Values{"token": {tok}}.Encode()
	for _, tc := range []struct {
		name   string
		body   string
		auth   string
		status int
		code   string
	}{
		{"no credentials", form, "", 401, "invalid_client"},
		{"wrong secret", form, basicAuth(w.a.id, "wrong"), 401, "invalid_client"},
		{"malformed basic", form, "Basic %%%", 401, "invalid_client"},
		{"client of another workspace", form, basicAuth(w.op.id, w.op.secret), 401, "invalid_client"},
		{"post credentials of a basic client", form + "&client_id=" + w.a.id + "&client_secret=" + w.a.secret, "", 401, "invalid_client"},
		{"no token", "", basicAuth(w.a.id, w.a.secret), 400, "invalid_request"},
		{"repeated token", form + "&" + form, basicAuth(w.a.id, w.a.secret), 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.auth != "" {
				h = []string{"Authorization", tc.auth}
			}
			r := post(t, u, "application/x-www-form-urlencoded", tc.body, h...)
			if m := r.JSON(t); r.Status != tc.status || m["error"] != tc.code || m["active"] != nil {
				t.Fatalf("got %d %s, want %d %s and no token information", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
}

// RFC 7662 §2.2, §4: unknown, malformed, forged, foreign, revoked tokens
// are all {"active":false} with no other member, so a scanner learns
// nothing.
func (w *tokenWorld) testInactive(t *testing.T) {
	jwtA, jwtB := w.token(t, w.a), w.token(t, w.b)
	opaque := w.token(t, w.op)
	parts := strings.Split(jwtA, ".")
	otherPayload := strings.Split(jwtB, ".")[1]
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`))
	for _, tc := range []struct {
		name  string
		as    cred
		token string
	}{
		{"garbage", w.a, "not-a-token"},
		{"JWT-shaped garbage", w.a, "a.b.c"},
		{"another client's JWT", w.a, jwtB},
		{"opaque token with one byte cut", w.op, opaque[:len(opaque)-1]},
		{"payload swapped under a valid signature", w.a, parts[0] + "." + otherPayload + "." + parts[2]},
		{"alg none", w.a, noneHeader + "." + parts[1] + "."},
		{"signature stripped", w.a, parts[0] + "." + parts[1] + "."},
		{"JWT of default asked in opaque", w.op, jwtA},
		{"opaque token asked in default", w.a, opaque},
		{"RS256 JWT of partners asked in default", w.a, w.token(t, w.rs)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if in := w.introspect(t, tc.as, tc.token); len(in) != 1 || in["active"] != false {
				t.Fatalf("introspects as %v; want exactly {active:false}", in)
			}
		})
	}
	// A second opaque client may not see the first one's token.
	otherID, otherSecret := w.n.with(t).createClient("opaque", "--grant-type", "client_credentials", "--scope", "profile")
	if in := w.introspect(t, cred{"opaque", otherID, otherSecret}, opaque); len(in) != 1 || in["active"] != false {
		t.Fatalf("another client's opaque token introspects as %v", in)
	}
	if in := w.introspect(t, w.op, opaque); in["active"] != true {
		t.Fatalf("the owner's opaque token stopped being active: %v", in)
	}
}

// RFC 7009 §2.1-2.2: revocation answers 200 with an empty body, also for
// unknown tokens, whatever the hint, and the token is inactive after.
func (w *tokenWorld) testRevocation(t *testing.T) {
	for _, c := range []cred{w.a, w.op} {
		for _, hint := range []string{"", "access_token", "refresh_token"} {
			tok := w.token(t, c)
			form := url.Values{"token": {tok}}
			if hint != "" {
				form.Set("token_type_hint", hint)
			}
			r := w.revoke(t, c, form)
			if r.Status != 200 || len(r.Body) != 0 {
				t.Fatalf("%s, hint %q: revoke %d %q; want 200 and an empty body", c.ws, hint, r.Status, r.Body)
			}
			if in := w.introspect(t, c, tok); len(in) != 1 || in["active"] != false {
				t.Fatalf("%s, hint %q: revoked token introspects as %v", c.ws, hint, in)
			}
			if r := w.revoke(t, c, form); r.Status != 200 {
				t.Fatalf("%s: revoking twice: %d %s", c.ws, r.Status, r.Body)
			}
		}
		if r := w.revoke(t, c, url.Values{"token": {"never-issued"}}); r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("%s: revoking an unknown token: %d %s", c.ws, r.Status, r.Body)
		}
	}
}

// RFC 7009 §2.1, §5: only the token's own client may revoke it, and only
// after authenticating; a refusal leaves the token alive.
func (w *tokenWorld) testRevocationRefuses(t *testing.T) {
	tok := w.token(t, w.b)
	u := w.n.Base + "/default/oauth2/revoke"
	form := url.Values{"token": {tok}}.Encode()
	for _, tc := range []struct {
		name   string
		method string
		body   string
		auth   string
		status int
		code   string
	}{
		{"no credentials", "POST", form, "", 401, "invalid_client"},
		{"wrong secret", "POST", form, basicAuth(w.b.id, "wrong"), 401, "invalid_client"},
		{"another client", "POST", form, basicAuth(w.a.id, w.a.secret), 400, "unauthorized_client"},
		{"no token", "POST", "", basicAuth(w.b.id, w.b.secret), 400, "invalid_request"},
		{"malformed form", "POST", "token=%zz", basicAuth(w.b.id, w.b.secret), 400, "invalid_request"},
		{"GET", "GET", "", basicAuth(w.b.id, w.b.secret), 405, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, u, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			r := do(t, req)
			if m := r.JSON(t); r.Status != tc.status || m["error"] != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if in := w.introspect(t, w.b, tok); in["active"] != true {
				t.Fatalf("a refused revocation revoked the token")
			}
		})
	}
	// The same for an opaque token, which is found by its hash together
	// with the caller: another client's must be refused, not ignored.
	t.Run("another client, opaque", func(t *testing.T) {
		opaque := w.token(t, w.op)
		other := cred{ws: "opaque"}
		other.id, other.secret = w.n.with(t).createClient("opaque", "--grant-type", "client_credentials", "--scope", "profile")
		r := w.revoke(t, other, url.Values{"token": {opaque}})
		if m := r.JSON(t); r.Status != 400 || m["error"] != "unauthorized_client" {
			t.Fatalf("another client revoking an opaque token: %d %s; want 400 unauthorized_client", r.Status, r.Body)
		}
		if in := w.introspect(t, w.op, opaque); in["active"] != true {
			t.Fatal("a refused revocation revoked the opaque token")
		}
	})
}

// A workspace declared with access_token_alg RS256 signs with its own RSA
// key, published in its own JWKS only.
func (w *tokenWorld) testRS256Workspace(t *testing.T) {
	r := get(t, w.n.Base+"/partners/.well-known/jwks.json")
	set, err := jwk.Parse(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	claims := verifyAccessToken(t, w.token(t, w.rs), set, "RS256")
	if claims["iss"] != w.n.Base+"/partners" {
		t.Fatalf("iss %v", claims["iss"])
	}
	def := w.n.with(t).kids("default")
	for kid := range w.n.with(t).kids("partners") {
		if def[kid] {
			t.Fatalf("kid %s is published by two workspaces; each has its own keys", kid)
		}
	}
	// Clients belong to one workspace: default's client is unknown here.
	tr := postForm(t, w.n.Base+"/partners/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(w.a.id, w.a.secret))
	if tr.Status != 401 || tr.JSON(t)["error"] != "invalid_client" {
		t.Fatalf("default's client at partners' token endpoint: %d %s", tr.Status, tr.Body)
	}
}

// TestEveryWorkspaceRoute: an unknown workspace is a 404 JSON error on
// every route; discovery and JWKS answer CORS preflights from any origin,
// allowing the request headers asked for: a browser GET carrying one of
// its own (an OIDC library's X-Requested-With, a Cache-Control) is dropped
// unless its preflight's answer names it, and these documents are public.
func TestEveryWorkspaceRoute(t *testing.T) {
	n := startNode(t, nodeOpts{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/nope/.well-known/openid-configuration"},
		{"GET", "/nope/.well-known/oauth-authorization-server"},
		{"GET", "/.well-known/oauth-authorization-server/nope"},
		{"GET", "/.well-known/openid-configuration/nope"},
		{"GET", "/nope/.well-known/jwks.json"},
		{"POST", "/nope/oauth2/token"},
		{"POST", "/nope/oauth2/introspect"},
		{"POST", "/nope/oauth2/revoke"},
	} {
		t.Run("unknown workspace "+tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, n.Base+tc.path, strings.NewReader("grant_type=client_credentials&token=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r := do(t, req)
			if r.Status != 404 || r.JSON(t)["error"] == nil {
				t.Fatalf("%d %s; want 404 JSON error", r.Status, r.Body)
			}
		})
	}
	for _, path := range []string{
		"/default/.well-known/openid-configuration",
		"/default/.well-known/oauth-authorization-server",
		"/.well-known/oauth-authorization-server/default",
		"/.well-known/openid-configuration/default",
		"/default/.well-known/jwks.json",
	} {
		t.Run("preflight "+path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, n.Base+path, nil)
			req.Header.Set("Origin", "https://spa.example")
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", "x-requested-with,cache-control")
			r := do(t, req)
			if r.Status/100 != 2 || r.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "GET") {
				t.Fatalf("%d, Allow-Origin %q, Allow-Methods %q", r.Status, r.Header.Get("Access-Control-Allow-Origin"), r.Header.Get("Access-Control-Allow-Methods"))
			}
			if allowed := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(allowed, "x-requested-with") || !strings.Contains(allowed, "cache-control") {
				t.Fatalf("Allow-Headers %q; want the requested x-requested-with and cache-control", allowed)
			}
		})
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := get(t, n.Base+path); r.Status != 200 {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
}

// Each workspace is its own issuer (RFC 8414 §3.3: the issuer in the
// document is the one the URL was built from) with its own public keys.
func (w *tokenWorld) testDiscoveryPerWorkspace(t *testing.T) {
	for _, ws := range []string{"default", "opaque", "partners"} {
		issuer := w.n.Base + "/" + ws
		var first string
		for _, path := range []string{"/" + ws + "/.well-known/openid-configuration", "/" + ws + "/.well-known/oauth-authorization-server",
			"/.well-known/oauth-authorization-server/" + ws, "/.well-known/openid-configuration/" + ws} {
			r := get(t, w.n.Base+path)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			if first == "" {
				first = string(r.Body)
			} else if string(r.Body) != first {
				t.Errorf("%s differs from the appended form", path)
			}
		}
		var m map[string]any
		json.Unmarshal([]byte(first), &m)
		for k, want := range map[string]string{"issuer": issuer, "jwks_uri": issuer + "/.well-known/jwks.json", "token_endpoint": issuer + "/oauth2/token",
			"introspection_endpoint": issuer + "/oauth2/introspect", "revocation_endpoint": issuer + "/oauth2/revoke"} {
			if m[k] != want {
				t.Errorf("%s: %s = %v, want %s", ws, k, m[k], want)
			}
		}
		for k, want := range map[string][]string{"id_token_signing_alg_values_supported": {"RS256"}, "grant_types_supported": {"client_credentials"},
			"token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post"}} {
			for _, v := range want {
				if !slices.Contains(stringList(m[k]), v) {
					t.Errorf("%s: %s = %v lacks %s", ws, k, m[k], v)
				}
			}
		}
		if algs, ok := m["access_token_signing_alg_values_supported"]; ok && ws == "partners" && !slices.Contains(stringList(algs), "RS256") {
			t.Errorf("partners advertises access token algs %v but signs with RS256", algs)
		}
		checkPublicJWKS(t, get(t, issuer+"/.well-known/jwks.json").Body)
	}
}

// checkPublicJWKS: RFC 7517 §5 public keys only, unique kids, one alg per
// key (RFC 8725 §3.1), RSA of at least 2048 bits.
func checkPublicJWKS(t *testing.T, body []byte) {
	t.Helper()
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	seen := map[any]bool{}
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Fatalf("JWKS key %v has private member %s", k["kid"], private)
			}
		}
		if k["kid"] == nil || seen[k["kid"]] || k["alg"] == nil {
			t.Errorf("JWKS key without a unique kid or an alg: %v", k)
		}
		seen[k["kid"]] = true
		if use, ok := k["use"]; ok && use != "sig" {
			t.Errorf("signing key %v has use %v", k["kid"], use)
		}
		if k["kty"] == "RSA" {
			n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
			if len(n)*8 < 2048 {
				t.Errorf("RSA key %v has %d bits", k["kid"], len(n)*8)
			}
		}
	}
}

// stringList turns a decoded JSON array of strings into []string.
func stringList(v any) []string {
	var out []string
	arr, _ := v.([]any)
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
