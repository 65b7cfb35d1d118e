package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

// auditEvents is `audit list --json` for ws, newest first; it fails if
// the log holds any of secrets.
func (n *node) auditEvents(ws string, secrets ...string) []map[string]any {
	n.t.Helper()
	out := n.mustCLI("audit", "list", "--workspace", ws, "--json")
	for _, s := range secrets {
		if strings.Contains(out, s) {
			n.t.Fatalf("the audit log holds a token value")
		}
	}
	var events []map[string]any
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		n.t.Fatalf("audit list: %s", out)
	}
	return events
}

// ecJWK is a fresh P-256 public JWK with kid set when non-empty.
func ecJWK(t testing.TB, kid string) map[string]any {
	t.Helper()
	k, err := jwk.Import(&certtest.Key(t).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(k)
	var m map[string]any
	json.Unmarshal(raw, &m)
	if kid != "" {
		m["kid"] = kid
	}
	return m
}

func jwksMetadata(keys ...map[string]any) string {
	raw, _ := json.Marshal(map[string]any{"grant_types": []string{"client_credentials"}, "jwks": map[string]any{"keys": keys}})
	return string(raw)
}

// TestDCRFixJWKSContents: the keys of a registered jwks are parsed and
// checked; a bad one is refused with its index and problem, and nothing
// is stored.
func TestDCRFixJWKSContents(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 10)
	before := n.clientCount("default")
	noCrv := ecJWK(t, "")
	delete(noCrv, "crv")
	cases := []struct{ name, body, mention string }{
		{"tester's set", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"!!!","y":"???"},{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"X25519","x":"AA"}]}}`, "jwks.keys[0]"},
		{"EC without crv", jwksMetadata(noCrv), "crv"},
		{"duplicate kid", jwksMetadata(ecJWK(t, "k1"), ecJWK(t, "k1")), "jwks.keys[1]: kid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, n.with(t).register("default", token, tc.body), 400, "invalid_client_metadata", tc.mention)
		})
	}
	if got := n.clientCount("default"); got != before {
		t.Fatalf("%d clients after refused registrations, want %d", got, before)
	}
	reg := n.mustRegister("default", token, jwksMetadata(ecJWK(t, "k1"), ecJWK(t, "k2")))
	if keys := reg["jwks"].(map[string]any)["keys"].([]any); len(keys) != 2 {
		t.Fatalf("registered jwks: %v", reg["jwks"])
	}
}

// TestDCRFixMCPClientIsNative: MCP clients send no application_type and
// loopback http redirect URIs; the server chooses native and says so
// (RFC 7591 §3.2.1). An explicit web client with them is still refused.
func TestDCRFixMCPClientIsNative(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 10)
	for _, redirect := range []string{"http://127.0.0.1:6274/oauth/callback", "http://localhost:6274/oauth/callback"} {
		reg := n.mustRegister("default", token, fmt.Sprintf(`{"client_name":"MCP Inspector","redirect_uris":[%q],
			"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}`, redirect))
		if reg["application_type"] != "native" {
			t.Fatalf("%s: application_type %v, want native", redirect, reg["application_type"])
		}
	}
	r := n.register("default", token, `{"application_type":"web","redirect_uris":["http://127.0.0.1:6274/oauth/callback"],"token_endpoint_auth_method":"none"}`)
	wantError(t, r, 400, "invalid_redirect_uri", "native")
}

// TestDCRFixLoopbackAllowLists: the workspace's redirect_schemes and
// redirect_hosts apply to loopback redirects of native clients too.
func TestDCRFixLoopbackAllowLists(t *testing.T) {
	yaml := `workspaces:
  - name: default
    registration:
      enabled: true
      redirect_schemes: [https, com.example.app]
      redirect_hosts: [app.example.com]
`
	n := startNode(t, nodeOpts{YAML: yaml})
	token := n.iat("default", 10)
	before := n.clientCount("default")
	r := n.register("default", token, `{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["http://127.0.0.1/cb"]}`)
	wantError(t, r, 400, "invalid_redirect_uri", "https, com.example.app")
	if got := n.clientCount("default"); got != before {
		t.Fatalf("%d clients, want %d", got, before)
	}
	n.mustRegister("default", token, `{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["com.example.app:/cb","https://app.example.com/cb"]}`)
}

// TestDCRFixManagementPaths: a client id with path characters in the
// RFC 7592 URL answers 401 invalid_token, never 404 or a redirect, touches
// no client, and is audited like any other unknown client id, with the id
// as sent. That holds for the unclean paths (dot segments, doubled
// slashes) the server keeps from its router too, and under such a path,
// as under a clean one, an unknown workspace is a 404.
func TestDCRFixManagementPaths(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: unlimited})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	id, rat := reg["client_id"].(string), reg["registration_access_token"].(string)
	base := n.Base + "/default/oauth2/register/"
	before := len(n.auditEvents("default"))
	actions := map[string]string{http.MethodGet: "read", http.MethodPut: "update", http.MethodDelete: "delete"}
	var want []string
	paths := []string{"x/y", id + "/", id + "/../" + id, "./" + id, id + "//x", "", id + "/x"}
	for _, p := range paths {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			body := ""
			if method == http.MethodPut {
				body = fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"]}`, id)
			}
			r := send(t, method, base+p, rat, body)
			if r.Status != 401 || r.JSON(t)["error"] != "invalid_token" || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %q: %d %v %s", method, p, r.Status, r.Header.Get("Location"), r.Body)
			}
			want = append(want, fmt.Sprintf("%s denied %q unmatched_bearer", actions[method], p))
		}
	}
	var got []string
	for _, e := range n.auditSince("default", before, rat) {
		cid, _ := e["client_id"].(string) // left out when empty
		got = append(got, fmt.Sprintf("%s %s %q %s", e["action"], e["outcome"], cid, e["credential"]))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit events of the probes\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		wantError(t, send(t, method, n.Base+"/nosuch/oauth2/register/"+id+"/../"+id, rat, ""), 404, "not_found")
	}
	if r := send(t, http.MethodGet, base+id, rat, ""); r.Status != 200 {
		t.Fatalf("the client's own URL after the probes: %d %s", r.Status, r.Body)
	}
}

// TestDCRFixAuditEveryRegistration: refusals decided before the metadata
// (content type, size, malformed Authorization) are audited with their
// reason, and RFC 7592 calls record the registration access token.
func TestDCRFixAuditEveryRegistration(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 10)
	reg := n.register("default", token, `{"grant_types":["client_credentials"]}`)
	if reg.Status != 201 {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	cl := reg.JSON(t)
	post(t, n.Base+"/default/oauth2/register", "text/plain", `{}`, "Authorization", "Bearer "+token)
	post(t, n.Base+"/default/oauth2/register", "application/json", `{"client_name":"`+strings.Repeat("x", 70<<10)+`"}`, "Authorization", "Bearer "+token)
	post(t, n.Base+"/default/oauth2/register", "application/json", `{}`, "Authorization", "Basic "+token)
	uri, id := cl["registration_client_uri"].(string), cl["client_id"].(string)
	upd := send(t, http.MethodPut, uri, cl["registration_access_token"].(string), fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"]}`, id))
	if upd.Status != 200 {
		t.Fatalf("PUT: %d %s", upd.Status, upd.Body)
	}
	if r := send(t, http.MethodDelete, uri, upd.JSON(t)["registration_access_token"].(string), ""); r.Status != 204 {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}

	var reasons []string
	credentials := map[string]string{}
	for _, e := range n.auditEvents("default") {
		if e["action"] == "register" && e["outcome"] == "denied" {
			reasons = append(reasons, e["reason"].(string))
			if strings.Contains(e["reason"].(string), "Authorization") && e["credential"] != "unchecked_bearer" {
				t.Errorf("a malformed Authorization header audited with credential %v; something was sent, so not none", e["credential"])
			}
		}
		if e["outcome"] == "accepted" {
			credentials[e["action"].(string)], _ = e["credential"].(string)
		}
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"content type", "exceeds", "Authorization"} {
		if !strings.Contains(all, want) {
			t.Errorf("no denied registration audited mentioning %q; reasons:\n%s", want, all)
		}
	}
	for _, action := range []string{"update", "delete"} {
		if credentials[action] != "registration_access_token" {
			t.Errorf("accepted %s audited with credential %q, want registration_access_token", action, credentials[action])
		}
	}
}

// TestDCRFixIATListStatus: `iat list` tells used-up, expired, revoked and
// active tokens apart, shows unlimited tokens as such, and --json carries
// the status.
func TestDCRFixIATListStatus(t *testing.T) {
	n := startNode(t, nodeOpts{})
	create := func(desc string, args ...string) string {
		_, token := n.createIAT(append([]string{"--description", desc}, args...)...)
		return token
	}
	n.mustRegister("default", create("usedup", "--uses", "1"), `{"grant_types":["client_credentials"]}`)
	n.mustRegister("default", create("unlimited", "--uses", "0"), `{"grant_types":["client_credentials"]}`)
	create("active", "--uses", "3")
	create("expired", "--expires", "1m")
	create("revoked")
	for _, it := range n.iatList() {
		if it["description"] == "revoked" {
			n.mustCLI("iat", "revoke", it["id"].(string))
		}
	}
	n.advance(2 * time.Minute)

	want := map[string]struct{ status, uses string }{
		"usedup": {"used up", "1/1"}, "unlimited": {"active", "1/unlimited"}, "active": {"active", "0/3"},
		"expired": {"expired", "0/1"}, "revoked": {"revoked", "0/1"},
	}
	text := n.mustCLI("iat", "list")
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "ID" {
			continue
		}
		desc := f[len(f)-1]
		w, ok := want[desc]
		if !ok || seen[desc] || !strings.Contains(line, " "+w.uses+" ") || !strings.Contains(line, " "+w.status+" ") {
			t.Errorf("line %q; want one line per token, with uses %s and status %s", line, w.uses, w.status)
		}
		seen[desc] = true
	}
	if len(seen) != len(want) {
		t.Errorf("iat list shows %d of the %d tokens:\n%s", len(seen), len(want), text)
	}
	list := n.iatList()
	if len(list) != len(want) {
		t.Errorf("iat list --json holds %d tokens, want %d", len(list), len(want))
	}
	for _, it := range list {
		if w := want[it["description"].(string)]; it["status"] != w.status {
			t.Errorf("%v: status %v, want %s", it["description"], it["status"], w.status)
		}
	}
}

// TestDCRFixRATExpiresIn: registration_access_token_expires_in is the
// configured TTL at issue, not one second short.
func TestDCRFixRATExpiresIn(t *testing.T) {
	n := startNode(t, nodeOpts{})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	if got := reg["registration_access_token_expires_in"]; got != float64(30*24*3600) {
		t.Fatalf("registration_access_token_expires_in = %v, want %d", got, 30*24*3600)
	}
	upd := send(t, http.MethodPut, reg["registration_client_uri"].(string), reg["registration_access_token"].(string),
		fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"]}`, reg["client_id"]))
	if got := upd.JSON(t)["registration_access_token_expires_in"]; got != float64(30*24*3600) {
		t.Fatalf("after PUT registration_access_token_expires_in = %v, want %d", got, 30*24*3600)
	}
}

// TestDCRFixBearerChallenges: RFC 6750 §3.1: no error code in the
// challenge of a request that carried no token; insufficient_scope in the
// challenge of a 403.
func TestDCRFixBearerChallenges(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 10)
	reg := n.mustRegister("default", token, `{"grant_types":["client_credentials"]}`)
	uri := reg["registration_client_uri"].(string)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		body := ""
		if method == http.MethodPut {
			body = fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"]}`, reg["client_id"])
		}
		r := send(t, method, uri, "", body)
		if ch := r.Header.Get("WWW-Authenticate"); r.Status != 401 || ch != `Bearer realm="registrar"` {
			t.Errorf("%s without a token: %d, WWW-Authenticate %q", method, r.Status, ch)
		}
	}
	if r := n.register("default", "", `{"grant_types":["client_credentials"]}`); r.Header.Get("WWW-Authenticate") != `Bearer realm="registrar"` {
		t.Errorf("register without a token: WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
	}

	id, secret := n.createClient("default", "--grant-type", "client_credentials", "--scope", "profile")
	at := n.clientCredentials("default", id, secret, "profile")["access_token"].(string)
	r := n.register("default", at, `{"grant_types":["client_credentials"]}`)
	if r.Status != 403 || r.JSON(t)["error"] != "insufficient_scope" || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("register with a token lacking dcr: %d %q %s", r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
	}
}

// TestDCRFixClientProvenance: `client get --json` shows how, through
// which token and when a client was registered.
func TestDCRFixClientProvenance(t *testing.T) {
	n := startNode(t, nodeOpts{})
	iatID, iatToken := n.createIAT()
	start := time.Now().Add(-time.Minute)
	reg := n.mustRegister("default", iatToken, `{"grant_types":["client_credentials"],"software_id":"sw-42"}`)
	var got struct {
		Origin     string
		Registered struct {
			Origin               string    `json:"origin"`
			InitialAccessTokenID string    `json:"initial_access_token_id"`
			SoftwareID           string    `json:"software_id"`
			RegisteredAt         time.Time `json:"registered_at"`
		}
	}
	out := n.mustCLI("client", "get", reg["client_id"].(string), "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(out)
	}
	r := got.Registered
	if got.Origin != "dcr" || r.Origin != "dcr" || r.InitialAccessTokenID != iatID || r.SoftwareID != "sw-42" ||
		r.RegisteredAt.Before(start) || r.RegisteredAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("client get --json: %s", out)
	}
	text := n.mustCLI("client", "get", reg["client_id"].(string))
	if !strings.Contains(text, iatID) {
		t.Fatalf("client get does not name the initial access token:\n%s", text)
	}
}

// TestDCRFixEmptyEnumeratedValue: an explicit "" for a member with defined
// values is refused with the member named, at registration and on update,
// and nothing is stored: neither a client nor a change to one.
func TestDCRFixEmptyEnumeratedValue(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 2)
	reg := n.mustRegister("default", token, `{"grant_types":["client_credentials"]}`)
	before := n.clientList("default")
	r := n.register("default", token, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":""}`)
	wantError(t, r, 400, "invalid_client_metadata", "token_endpoint_auth_method:", "empty")
	r = send(t, http.MethodPut, reg["registration_client_uri"].(string), reg["registration_access_token"].(string),
		fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"],"application_type":""}`, reg["client_id"]))
	wantError(t, r, 400, "invalid_client_metadata", "application_type:", "empty")
	if after := n.clientList("default"); after != before {
		t.Fatalf("client list changed after refused requests:\n%s\nwant\n%s", after, before)
	}
}
