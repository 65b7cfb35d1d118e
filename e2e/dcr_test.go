package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// register POSTs metadata with a bearer token to ws's registration endpoint.
func (n *node) register(ws, bearer, body string) response {
	n.t.Helper()
	h := []string{}
	if bearer != "" {
		h = append(h, "Authorization", "Bearer "+bearer)
	}
	return post(n.t, n.Base+"/"+ws+"/oauth2/register", "application/json", body, h...)
}

func (n *node) mustRegister(ws, bearer, body string) map[string]any {
	n.t.Helper()
	r := n.register(ws, bearer, body)
	if r.Status != 201 {
		n.t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	return r.JSON(n.t)
}

// iat makes an operator initial access token of ws, good for uses
// registrations within the hour.
func (n *node) iat(ws string, uses int) string {
	n.t.Helper()
	_, token := n.createIAT("--workspace", ws, "--uses", fmt.Sprint(uses), "--expires", "1h")
	return token
}

// createIAT runs `iat create --json` with args and returns the token's id
// and value.
func (n *node) createIAT(args ...string) (id, token string) {
	n.t.Helper()
	out := n.mustCLI(append([]string{"iat", "create", "--json"}, args...)...)
	var v struct{ ID, Token string }
	if json.Unmarshal([]byte(out), &v) != nil || v.ID == "" || v.Token == "" {
		n.t.Fatalf("iat create: %s", out)
	}
	return v.ID, v.Token
}

// iatList is `iat list --json`.
func (n *node) iatList() []map[string]any {
	n.t.Helper()
	out := n.mustCLI("iat", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		n.t.Fatalf("iat list: %s", out)
	}
	return list
}

func (n *node) clientCount(ws string) int {
	n.t.Helper()
	out := n.clientList(ws)
	var list []any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		n.t.Fatalf("client list: %s", out)
	}
	return len(list)
}

// TestSeedCurityFlow (seed 002): a designated client gets a one-time
// access token with scope dcr, registers, and the new client works.
func TestSeedCurityFlow(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	dcr := n.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	reg := n.mustRegister("default", dcr, `{"client_name":"Partner app","grant_types":["client_credentials"],"scope":"profile email"}`)
	newID, newSecret := reg["client_id"].(string), reg["client_secret"].(string)
	if tok := n.clientCredentials("default", newID, newSecret, "profile"); tok["scope"] != "profile" {
		t.Fatalf("new client token: %v", tok)
	}
	if r := n.register("default", dcr, `{"grant_types":["client_credentials"]}`); r.Status != 401 || r.JSON(t)["error"] != "invalid_token" {
		t.Fatalf("second use of the one-time token: %d %s", r.Status, r.Body)
	}
	// A registered client can never obtain the registration scope itself.
	if r := n.register("default", n.iat("default", 1), `{"grant_types":["client_credentials"],"scope":"dcr"}`); r.Status != 400 {
		t.Fatalf("registering with scope dcr: %d %s", r.Status, r.Body)
	}
	list := n.mustCLI("client", "list", "--workspace", "default")
	if !strings.Contains(list, "DCR") {
		t.Fatalf("client list does not label the DCR client:\n%s", list)
	}
}

// TestSeedSimpleIdServerDefaults (seed 003): a minimal registration gets
// the full document back, defaults included.
func TestSeedSimpleIdServerDefaults(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	dcr := n.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	r := n.register("default", dcr, `{"grant_types":["client_credentials"],"scope":"openid profile","redirect_uris":["https://tmp.com"],"client_id":"chosen-by-me","frobnicate":1}`)
	if r.Status != 201 || r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("register: %d %v %s", r.Status, r.Header, r.Body)
	}
	m := r.JSON(t)
	want := map[string]any{
		"token_endpoint_auth_method": "client_secret_basic", "application_type": "web", "subject_type": "public",
		"id_token_signed_response_alg": "RS256", "require_auth_time": false, "client_secret_expires_at": float64(0),
		"scope": "openid profile",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if m["client_id"] == "chosen-by-me" {
		t.Fatal("the client chose its own client_id")
	}
	if _, ok := m["frobnicate"]; ok {
		t.Fatal("an unknown member was stored and echoed")
	}
	for _, k := range []string{"client_id", "client_secret", "client_id_issued_at", "registration_access_token", "registration_client_uri", "grant_types", "redirect_uris", "response_types"} {
		if _, ok := m[k]; !ok {
			t.Errorf("response lacks %s", k)
		}
	}
	if m["registration_client_uri"] != n.Base+"/default/oauth2/register/"+m["client_id"].(string) {
		t.Fatalf("registration_client_uri %v", m["registration_client_uri"])
	}
}

// TestSeedCloudentityManagement (seed 000): register, read with rotation
// on every read, update, delete, in a workspace using Cloudentity's scope
// name.
func TestSeedCloudentityManagement(t *testing.T) {
	yaml := `workspaces:
  - name: cloud
    scopes: [openid, profile, email, dcr_register]
    registration:
      enabled: true
      mode: initial_access_token
      scope: dcr_register
      registration_token_ttl: 2592000
      rotate_registration_token: on_read_and_update
      grant_types: [authorization_code, refresh_token, client_credentials]
      response_types: [code]
      auth_methods: [client_secret_basic, client_secret_post, none]
`
	n := startNode(t, nodeOpts{YAML: yaml})
	disc := get(t, n.Base+"/cloud/.well-known/openid-configuration").JSON(t)
	regURL := disc["registration_endpoint"].(string)
	if regURL != n.Base+"/cloud/oauth2/register" {
		t.Fatalf("registration_endpoint %v", regURL)
	}
	adminID, adminSecret := n.createClient("cloud", "--grant-type", "client_credentials", "--scope", "dcr_register")
	dcr := n.clientCredentials("cloud", adminID, adminSecret, "dcr_register")["access_token"].(string)
	reg := n.mustRegister("cloud", dcr, `{"client_name":"Cloud app","redirect_uris":["https://app.example.com/cb"],"grant_types":["authorization_code","client_credentials"],"scope":"openid profile"}`)
	clientURI, rat, cid, csecret := reg["registration_client_uri"].(string), reg["registration_access_token"].(string), reg["client_id"].(string), reg["client_secret"].(string)
	if reg["registration_access_token_expires_in"] == nil {
		t.Fatal("no registration_access_token_expires_in")
	}

	read := get(t, clientURI, "Authorization", "Bearer "+rat)
	if read.Status != 200 {
		t.Fatalf("GET: %d %s", read.Status, read.Body)
	}
	rat2 := read.JSON(t)["registration_access_token"].(string)
	if rat2 == "" || rat2 == rat {
		t.Fatal("GET did not rotate the registration access token")
	}
	// README's differences from seed 000: the secret is shown once, and a
	// client registered without scope gets none by default.
	if _, ok := read.JSON(t)["client_secret"]; ok {
		t.Error("GET returned the client secret, which is kept only as a hash")
	}
	if bare := n.mustRegister("cloud", n.iat("cloud", 1), `{"client_name":"Cloud app","redirect_uris":["https://app.example.com/cb"]}`); bare["scope"] != nil {
		t.Errorf("a client registered without scope got %v", bare["scope"])
	}
	put := func(rat, body string) response { return send(t, http.MethodPut, clientURI, rat, body) }
	if r := put(rat2, `{"client_id":"someone-else","redirect_uris":["https://app.example.com/cb"]}`); r.Status != 400 {
		t.Fatalf("PUT with another client_id: %d %s", r.Status, r.Body)
	}
	// The refused PUT must not have rotated the token: rat2 still works.
	upd := put(rat2, fmt.Sprintf(`{"client_id":%q,"client_name":"Renamed","redirect_uris":["https://app.example.com/new"],"grant_types":["client_credentials"],"scope":"profile"}`, cid))
	if upd.Status != 200 {
		t.Fatalf("PUT: %d %s", upd.Status, upd.Body)
	}
	// rat2 has been used, so the token it replaced is rotated out for good.
	if r := get(t, clientURI, "Authorization", "Bearer "+rat); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("rotated-out RAT still works: %d", r.Status)
	}
	m := upd.JSON(t)
	if m["client_name"] != "Renamed" || m["response_types"] == nil || len(m["response_types"].([]any)) != 0 || m["client_id"] != cid {
		t.Fatalf("PUT result: %v", m)
	}
	// Once the PUT's token is used (by a GET, which rotates it again),
	// rat2, which a retry of the PUT could still have used, is dead.
	again := get(t, clientURI, "Authorization", "Bearer "+m["registration_access_token"].(string))
	if again.Status != 200 {
		t.Fatalf("GET with the PUT's token: %d %s", again.Status, again.Body)
	}
	if r := put(rat2, fmt.Sprintf(`{"client_id":%q}`, cid)); r.Status != 401 {
		t.Fatalf("PUT with the rotated-out token: %d", r.Status)
	}
	rat3 := again.JSON(t)["registration_access_token"].(string)
	tok := n.clientCredentials("cloud", cid, csecret, "profile")["access_token"].(string)

	if r := send(t, http.MethodDelete, clientURI, rat3, ""); r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	if r := get(t, clientURI, "Authorization", "Bearer "+rat3); r.Status != 401 {
		t.Fatalf("GET after DELETE: %d", r.Status)
	}
	if r := postForm(t, n.Base+"/cloud/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(cid, csecret)); r.Status != 401 {
		t.Fatalf("deleted client still gets tokens: %d", r.Status)
	}
	if r := postForm(t, n.Base+"/cloud/oauth2/introspect", url.Values{"token": {tok}}, "Authorization", basicAuth(cid, csecret)); r.Status != 401 {
		t.Fatalf("deleted client can still introspect: %d", r.Status)
	}
}

// TestRegistrationRefusesBadInput: RFC 7591 §3.2.2 errors, and nothing stored.
func TestRegistrationRefusesBadInput(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: unlimited})
	token := n.iat("default", 1000)
	before := n.clientCount("default")
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	cases := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"malformed json", "application/json", `{"redirect_uris":`, 400, "invalid_client_metadata"},
		{"not an object", "application/json", `["https://a.example/cb"]`, 400, "invalid_client_metadata"},
		{"wrong type", "application/json", `{"redirect_uris":"https://a.example/cb"}`, 400, "invalid_client_metadata"},
		{"over 64 KiB", "application/json", `{"client_name":"` + strings.Repeat("x", 70<<10) + `"}`, 400, "invalid_client_metadata"},
		{"text/plain", "text/plain", `{}`, 400, "invalid_client_metadata"},
		// RFC 8259 §8.1: JSON is UTF-8.
		{"charset other than UTF-8", "application/json; charset=iso-8859-1", `{"grant_types":["client_credentials"]}`, 400, "invalid_client_metadata"},
		{"fragment", "application/json", `{"redirect_uris":["https://a.example/cb#f"]}`, 400, "invalid_redirect_uri"},
		{"javascript scheme", "application/json", `{"redirect_uris":["javascript:alert(1)"]}`, 400, "invalid_redirect_uri"},
		{"data scheme", "application/json", `{"redirect_uris":["data:text/html,x"]}`, 400, "invalid_redirect_uri"},
		{"wildcard", "application/json", `{"redirect_uris":["https://*.example.com/cb"]}`, 400, "invalid_redirect_uri"},
		{"http for web", "application/json", `{"redirect_uris":["http://a.example/cb"]}`, 400, "invalid_redirect_uri"},
		{"jwks and jwks_uri", "application/json", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[]},"jwks_uri":"https://a.example/j"}`, 400, "invalid_client_metadata"},
		{"unsupported auth method", "application/json", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"tls_client_auth"}`, 400, "invalid_client_metadata"},
		{"unsupported alg", "application/json", `{"redirect_uris":["https://a.example/cb"],"id_token_signed_response_alg":"none"}`, 400, "invalid_client_metadata"},
		{"grant/response mismatch", "application/json", `{"grant_types":["client_credentials"],"response_types":["code"]}`, 400, "invalid_client_metadata"},
		{"scope outside allowed", "application/json", `{"grant_types":["client_credentials"],"scope":"admin"}`, 400, "invalid_client_metadata"},
		{"duplicate keys", "application/json", `{"grant_types":["client_credentials"],"grant_types":["authorization_code"]}`, 400, "invalid_client_metadata"},
		{"nested too deep", "application/json", `{"x":` + deep + `,"grant_types":["client_credentials"]}`, 400, "invalid_client_metadata"},
		{"other-case member is not bound", "application/json", `{"Redirect_URIs":["https://a.example/cb"]}`, 400, "invalid_redirect_uri"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, n.Base+"/default/oauth2/register", tc.contentType, tc.body, "Authorization", "Bearer "+token)
			if r.Status != tc.status || r.JSON(t)["error"] != tc.code {
				t.Fatalf("got %d %s; want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}

	otherWS := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: other\n"})
	foreign := otherWS.iat("other", 1)
	used := n.iat("default", 1)
	n.mustRegister("default", used, `{"grant_types":["client_credentials"]}`)
	revoked := n.iat("default", 1)
	for _, it := range n.iatList() {
		if it["uses"] == float64(0) && it["max_uses"] == float64(1) {
			n.mustCLI("iat", "revoke", it["id"].(string))
		}
	}
	for name, bearer := range map[string]string{"no token": "", "garbage": "nope", "used": used, "revoked": revoked, "foreign workspace": foreign} {
		r := n.register("default", bearer, `{"grant_types":["client_credentials"]}`)
		if r.Status != 401 || r.JSON(t)["error"] != "invalid_token" || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if got := n.clientCount("default"); got != before+1 {
		t.Fatalf("%d clients after refused registrations, want %d", got, before+1)
	}
	if r := post(t, n.Base+"/default/oauth2/register", "application/json; charset=UTF-8", `{"grant_types":["client_credentials"]}`, "Authorization", "Bearer "+token); r.Status != 201 {
		t.Fatalf("charset=UTF-8: %d %s", r.Status, r.Body)
	}

	for _, id := range []string{"x'%20OR%201=1--", "..%2F..%2Fetc", "%00"} {
		if r := get(t, n.Base+"/default/oauth2/register/"+id, "Authorization", "Bearer "+token); r.Status != 401 {
			t.Errorf("client id %q: %d %s", id, r.Status, r.Body)
		}
	}
}

// TestRegistrationRefusesBadValues: the value checks that strangers reach
// first, through the binary: each refusal is a 400 with the RFC 7591 code
// and a description naming the problem, and leaves `client list` as it
// was. A well-formed language tag and an explicit port are accepted.
func TestRegistrationRefusesBadValues(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: unlimited})
	token := n.iat("default", 100)
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	// jwx will not import a short modulus, so this JWK is built by hand.
	rsa1024, _ := json.Marshal(map[string]any{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(short.N.Bytes()), "e": "AQAB"})
	cc := `"grant_types":["client_credentials"]`
	cases := []struct {
		name, body, code string
		mention          []string
	}{
		{"unpaired surrogate escape", `{` + cc + `,"client_name":"\ud800"}`, "invalid_client_metadata", []string{"surrogate"}},
		{"invalid UTF-8", "{" + cc + ",\"client_name\":\"\xff\"}", "invalid_client_metadata", []string{"UTF-8"}},
		{"bidi override in client_name", `{` + cc + `,"client_name":"evil\u202egpj.exe"}`, "invalid_client_metadata", []string{"client_name:", "bidirectional"}},
		{"zero-width joiner in a tagged name", `{` + cc + `,"client_name#fr":"a\u200db"}`, "invalid_client_metadata", []string{"client_name#fr:"}},
		{"redirect port out of range", `{"redirect_uris":["https://a.example:99999/cb"]}`, "invalid_redirect_uri", []string{"port"}},
		{"redirect port with a leading zero", `{"redirect_uris":["https://a.example:0443/cb"]}`, "invalid_redirect_uri", []string{"port"}},
		{"loopback port zero", `{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["http://127.0.0.1:0/cb"]}`, "invalid_redirect_uri", []string{"port"}},
		{"non-ASCII host", `{"redirect_uris":["https://exämple.com/cb"]}`, "invalid_redirect_uri", []string{"punycode", "xn--"}},
		{"IPv4-mapped loopback", `{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["http://[::ffff:127.0.0.1]/cb"]}`, "invalid_redirect_uri", []string{"as 127.0.0.1"}},
		{"not a language tag", `{` + cc + `,"client_name#<script>":"x"}`, "invalid_client_metadata", []string{"language tag"}},
		{"one language tag in two cases", `{` + cc + `,"client_name#ja-Jpan-JP":"a","client_name#JA-jpan-jp":"b"}`, "invalid_client_metadata", []string{"case-insensitive"}},
		{"RSA key under 2048 bits", `{` + cc + `,"jwks":{"keys":[` + string(rsa1024) + `]}}`, "invalid_client_metadata", []string{"jwks.keys[0]", "2048"}},
	}
	before := n.clientList("default")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := n.with(t)
			wantError(t, n.register("default", token, tc.body), 400, tc.code, tc.mention...)
			if after := n.clientList("default"); after != before {
				t.Fatalf("client list changed:\n%s\nwant\n%s", after, before)
			}
		})
	}
	reg := n.mustRegister("default", token, `{"redirect_uris":["https://a.example:8443/cb"],"client_name#ja-Jpan-JP":"アプリ"}`)
	if reg["client_name#ja-Jpan-JP"] != "アプリ" || reg["redirect_uris"].([]any)[0] != "https://a.example:8443/cb" {
		t.Fatalf("a tagged name and an explicit port: %v", reg)
	}
}

// TestOperatorTokensAndAudit: Keycloak-style counted tokens, revocation,
// and an audit trail without secrets.
func TestOperatorTokensAndAudit(t *testing.T) {
	n := startNode(t, nodeOpts{})
	tok := n.iat("default", 2)
	n.mustRegister("default", tok, `{"grant_types":["client_credentials"],"client_name":"one"}`)
	n.mustRegister("default", tok, `{"grant_types":["client_credentials"],"client_name":"two"}`)
	if r := n.register("default", tok, `{"grant_types":["client_credentials"]}`); r.Status != 401 {
		t.Fatalf("third use of a two-use token: %d", r.Status)
	}
	n.register("default", tok, `{"redirect_uris":["javascript:x"]}`)
	outcomes := map[string]int{}
	for _, e := range n.auditEvents("default", tok) {
		outcomes[e["outcome"].(string)]++
		if e["outcome"] == "denied" && e["reason"] == "" {
			t.Errorf("denied event without a reason: %v", e)
		}
	}
	if outcomes["accepted"] != 2 || outcomes["denied"] != 2 {
		t.Fatalf("audit outcomes %v", outcomes)
	}
}

// TestRegistrationCORS: browser-based clients (MCP clients among them) may
// register from the workspace's listed origins only.
func TestRegistrationCORS(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    cors_origins: [https://app.example]\n"})
	pre := func(origin string) response {
		req, _ := http.NewRequest(http.MethodOptions, n.Base+"/default/oauth2/register", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		return do(t, req)
	}
	if r := pre("https://app.example"); r.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("allowed origin: %d %v", r.Status, r.Header)
	}
	// A browser client must be able to send Idempotency-Key with its retry.
	if r := pre("https://app.example"); !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Fatalf("Allow-Headers %q lacks Idempotency-Key", r.Header.Get("Access-Control-Allow-Headers"))
	}
	if r := pre("https://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS granted to an unlisted origin")
	}
}

// TestRATRotationIsAtomic: concurrent reads with one RAT under rotation on
// read. The token a rotation replaced may rotate again (a retry after a
// lost answer), so more than one read may succeed, but each rotation ends
// the token the one before it answered: the client ends with exactly one
// working RAT among those answered, and the one all reads presented is
// good for nothing but rotating (a DELETE with it is refused).
func TestRATRotationIsAtomic(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    registration:\n      enabled: true\n      mode: initial_access_token\n      scope: dcr\n      registration_token_ttl: 3600\n      rotate_registration_token: on_read_and_update\n      grant_types: [client_credentials]\n      response_types: [code]\n      auth_methods: [client_secret_basic]\n"})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	uri, rat := reg["registration_client_uri"].(string), reg["registration_access_token"].(string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []string
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := get(t, uri, "Authorization", "Bearer "+rat)
			if r.Status == 200 {
				mu.Lock()
				winners = append(winners, r.JSON(t)["registration_access_token"].(string))
				mu.Unlock()
			} else if r.Status != 401 {
				t.Errorf("status %d", r.Status)
			}
		}()
	}
	wg.Wait()
	working := ""
	for _, w := range winners {
		// HEAD checks a token as GET would, without rotating it.
		if r := send(t, http.MethodHead, uri, w, ""); r.Status == 200 {
			if working != "" {
				t.Fatalf("two of the %d tokens the concurrent reads answered work", len(winners))
			}
			working = w
		}
	}
	if working == "" {
		t.Fatalf("none of the %d tokens the concurrent reads answered works", len(winners))
	}
	if r := send(t, http.MethodDelete, uri, rat, ""); r.Status != 401 {
		t.Fatalf("DELETE with the token every read presented: %d", r.Status)
	}
	if r := send(t, http.MethodDelete, uri, working, ""); r.Status != 204 {
		t.Fatalf("DELETE with the working token: %d %s", r.Status, r.Body)
	}
}

// TestTokenLifetimeExtension: a registered access_token_lifetime is
// honoured by the token endpoint and bounded by the workspace maximum.
func TestTokenLifetimeExtension(t *testing.T) {
	n := startNode(t, nodeOpts{})
	tok := n.iat("default", 2)
	reg := n.mustRegister("default", tok, `{"grant_types":["client_credentials"],"scope":"profile","access_token_lifetime":60}`)
	got := n.clientCredentials("default", reg["client_id"].(string), reg["client_secret"].(string), "profile")
	if got["expires_in"] != float64(60) {
		t.Fatalf("expires_in %v, want 60", got["expires_in"])
	}
	if r := n.register("default", tok, `{"grant_types":["client_credentials"],"access_token_lifetime":86400}`); r.Status != 400 {
		t.Fatalf("lifetime above the workspace maximum: %d", r.Status)
	}
}

// TestDeletedClientTokensStopWorking: a JWT access token carries no trace
// of its client's deletion, so the server must look: neither a revoked nor
// a live token of a deleted client works as an initial access token or at
// userinfo, whether the client was deleted by the CLI or by RFC 7592.
func TestDeletedClientTokensStopWorking(t *testing.T) {
	f := newFlowFixture(t, "")
	n := f.n
	id, secret := n.createClient("default", "--grant-type", "client_credentials", "--scope", "dcr")
	revoked := n.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	live := n.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	if r := postForm(t, n.Base+"/default/oauth2/revoke", url.Values{"token": {revoked}}, "Authorization", basicAuth(id, secret)); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	n.mustCLI("client", "delete", "--workspace", "default", id)
	before := n.clientCount("default")
	for name, tok := range map[string]string{"revoked": revoked, "live": live} {
		if r := n.register("default", tok, `{"grant_types":["client_credentials"]}`); r.Status != 401 || r.JSON(t)["error"] != "invalid_token" {
			t.Fatalf("%s token of a deleted client as an initial access token: %d %s", name, r.Status, r.Body)
		}
	}
	if after := n.clientCount("default"); after != before {
		t.Fatalf("%d clients after refused registrations; want %d", after, before)
	}

	verifier, _ := pkce()
	code := f.login(newAgent(t), nil).Query().Get("code")
	at := f.exchange(code, verifier, f.clientID).JSON(t)["access_token"].(string)
	userinfo := func() int { return get(t, n.Base+"/default/oauth2/userinfo", "Authorization", "Bearer "+at).Status }
	if s := userinfo(); s != 200 {
		t.Fatalf("userinfo before DELETE: %d", s)
	}
	if r := send(t, http.MethodDelete, f.publicReg["registration_client_uri"].(string), f.publicReg["registration_access_token"].(string), ""); r.Status != 204 {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	if s := userinfo(); s != 401 {
		t.Fatalf("userinfo with a deleted client's access token: %d; want 401", s)
	}
}

// TestRegistrationRefusesSecondSpellings: a redirect URI a browser reads
// as another one (it would carry codes past what was registered and
// reviewed) is refused through the binary with invalid_redirect_uri, each
// spelling naming what to change, and registers nothing.
func TestRegistrationRefusesSecondSpellings(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 100)
	native := `"application_type":"native","token_endpoint_auth_method":"none",`
	cases := []struct {
		name, uri, extra, mention string
	}{
		{"percent-encoded dot-dot", "https://app.example.com/a/%2e%2e/evil", "", "segments"},
		{"upper-case percent-encoded dot-dot", "https://app.example.com/a/%2E%2E/evil", "", "segments"},
		{"half-encoded dot-dot", "https://app.example.com/a/%2e./evil", "", "segments"},
		{"backslashes", `https://good.com/cb\\..\\x`, "", "backslash"},
		{"explicit https port", "https://app.example.com:443/cb", "", "default port"},
		{"explicit http port", "http://127.0.0.1:80/cb", native, "default port"},
		{"trailing-dot host", "https://app.example.com./cb", "", "dot"},
		{"IPv6 zone id", "https://[fe80::1%25eth0]/cb", "", "zone"},
		{"short IPv4 host", "https://127.1/cb", "", "IPv4"},
	}
	before := n.clientList("default")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := n.with(t)
			wantError(t, n.register("default", token, `{`+tc.extra+`"redirect_uris":["`+tc.uri+`"]}`), 400, "invalid_redirect_uri", tc.mention)
			if after := n.clientList("default"); after != before {
				t.Fatalf("client list changed:\n%s\nwant\n%s", after, before)
			}
		})
	}
}
