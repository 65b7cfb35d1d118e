package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// auditKey is what a test expects of one audit event.
type auditKey struct{ action, outcome, credential string }

// auditSince returns the events of ws after the first skip (the count
// seen before), oldest first, and fails if the log holds any of secrets.
func (n *node) auditSince(ws string, skip int, secrets ...string) []map[string]any {
	n.t.Helper()
	events := n.auditEvents(ws, secrets...)
	var out []map[string]any
	for i := len(events) - 1 - skip; i >= 0; i-- {
		out = append(out, events[i])
	}
	return out
}

// auditedSince is auditSince as action/outcome/credential triples.
func (n *node) auditedSince(ws string, skip int, secrets ...string) []auditKey {
	n.t.Helper()
	var out []auditKey
	for _, e := range n.auditSince(ws, skip, secrets...) {
		cred, _ := e["credential"].(string)
		out = append(out, auditKey{e["action"].(string), e["outcome"].(string), cred})
	}
	return out
}

// TestDCRManageEveryCallAudited: every RFC 7592 call is an audit event,
// a plain (non-rotating) GET included; a refused one records whether a
// token was sent and, when it was, that it did not match, never the
// token; a refused PUT whose token was right names that token.
func TestDCRManageEveryCallAudited(t *testing.T) {
	n := startNode(t, nodeOpts{})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	uri, id, rat := reg["registration_client_uri"].(string), reg["client_id"].(string), reg["registration_access_token"].(string)
	before := len(n.auditEvents("default"))
	const wrong = "not-the-registration-access-token"
	body := fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"]}`, id)

	steps := []struct {
		method, bearer, body string
		status               int
	}{
		{http.MethodGet, rat, "", 200},
		{http.MethodGet, wrong, "", 401},
		{http.MethodGet, "", "", 401},
		{http.MethodPut, wrong, body, 401},
		{http.MethodPut, rat, fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"],"scope":"nope"}`, id), 400},
		{http.MethodDelete, wrong, "", 401},
	}
	for _, s := range steps {
		if r := send(t, s.method, uri, s.bearer, s.body); r.Status != s.status {
			t.Fatalf("%s with %q: %d %s; want %d", s.method, s.bearer, r.Status, r.Body, s.status)
		}
	}
	upd := send(t, http.MethodPut, uri, rat, body)
	if upd.Status != 200 {
		t.Fatalf("PUT: %d %s", upd.Status, upd.Body)
	}
	rat2 := upd.JSON(t)["registration_access_token"].(string)
	if r := send(t, http.MethodDelete, uri, rat2, ""); r.Status != 204 {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	if r := send(t, http.MethodGet, uri, rat2, ""); r.Status != 401 {
		t.Fatalf("GET after DELETE: %d", r.Status)
	}

	got := n.auditedSince("default", before, rat, rat2, wrong)
	want := []auditKey{
		{"read", "accepted", "registration_access_token"},
		{"read", "denied", "unmatched_bearer"},
		{"read", "denied", "none"},
		{"update", "denied", "unmatched_bearer"},
		{"update", "denied", "registration_access_token"},
		{"delete", "denied", "unmatched_bearer"},
		{"update", "accepted", "registration_access_token"},
		{"delete", "accepted", "registration_access_token"},
		{"read", "denied", "unmatched_bearer"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit events\n got %v\nwant %v", got, want)
	}
}

// TestDCRManageExpiredTokenAudited: an expired registration access token
// is refused like any invalid one, but its holder is told it expired and
// the audit names the client's token rather than "unmatched".
func TestDCRManageExpiredTokenAudited(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    registration:\n      registration_token_ttl: 60\n"})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	n.advance(61 * time.Second)
	before := len(n.auditEvents("default"))
	r := send(t, http.MethodGet, reg["registration_client_uri"].(string), reg["registration_access_token"].(string), "")
	wantError(t, r, 401, "invalid_token", "expired")
	got := n.auditedSince("default", before)
	if len(got) != 1 || got[0] != (auditKey{"read", "denied", "registration_access_token"}) {
		t.Fatalf("audit events %v", got)
	}
}

// TestDCRRegisterDenialsNameTheBearer: a refused registration records
// which initial access token was presented when it is known (used up,
// say), "unmatched_bearer" when the token is nobody's, and
// "unchecked_bearer" when the request was refused before the token was
// looked at.
func TestDCRRegisterDenialsNameTheBearer(t *testing.T) {
	n := startNode(t, nodeOpts{})
	used := n.iat("default", 1)
	n.mustRegister("default", used, `{"grant_types":["client_credentials"]}`)
	before := len(n.auditEvents("default"))
	n.register("default", used, `{"grant_types":["client_credentials"]}`)
	n.register("default", "garbage", `{"grant_types":["client_credentials"]}`)
	post(t, n.Base+"/default/oauth2/register", "text/plain", `{}`, "Authorization", "Bearer garbage")
	got := n.auditedSince("default", before, used)
	if len(got) != 3 || !strings.HasPrefix(got[0].credential, "initial_access_token:") ||
		got[1].credential != "unmatched_bearer" || got[2].credential != "unchecked_bearer" {
		t.Fatalf("audit events %v", got)
	}
}

// TestDCRManageOmittedAuthMethodIsKept: RFC 7592 §2.2 returns omitted
// members to their defaults but lets the server ignore a null or empty
// value, and for token_endpoint_auth_method it does, whatever the method:
// a public client ("none") that PUTs without the member stays public (the
// default needs a secret an update cannot issue), and a client_secret_post
// client stays client_secret_post rather than being switched to the
// default client_secret_basic, which its token requests would then fail.
// Every view says so; asking for a secret-based method on a public client
// is refused with a reason.
func TestDCRManageOmittedAuthMethodIsKept(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 2)
	for _, tc := range []struct {
		method, metadata string
	}{
		{"none", `"grant_types":["authorization_code"],"redirect_uris":["https://app.example.com/cb"]`},
		{"client_secret_post", `"grant_types":["client_credentials"],"scope":"profile"`},
	} {
		reg := n.mustRegister("default", token, fmt.Sprintf(`{"token_endpoint_auth_method":%q,%s}`, tc.method, tc.metadata))
		uri, id := reg["registration_client_uri"].(string), reg["client_id"].(string)
		upd := send(t, http.MethodPut, uri, reg["registration_access_token"].(string),
			fmt.Sprintf(`{"client_id":%q,"client_name":"Renamed",%s}`, id, tc.metadata))
		if upd.Status != 200 {
			t.Fatalf("%s: PUT without token_endpoint_auth_method: %d %s", tc.method, upd.Status, upd.Body)
		}
		m := upd.JSON(t)
		read := send(t, http.MethodGet, uri, m["registration_access_token"].(string), "").JSON(t)
		cli := n.clientGet(id)
		for name, view := range map[string]map[string]any{"PUT": m, "GET": read, "client get": cli} {
			if view["token_endpoint_auth_method"] != tc.method {
				t.Errorf("%s: %s after the update: token_endpoint_auth_method %v", tc.method, name, view["token_endpoint_auth_method"])
			}
		}
		if tc.method == "none" {
			for name, view := range map[string]map[string]any{"PUT": m, "GET": read, "client get": cli} {
				_, secret := view["client_secret"]
				_, expires := view["client_secret_expires_at"]
				if secret || expires {
					t.Errorf("public client: %s after the update shows a secret: %v", name, view)
				}
			}
			r := send(t, http.MethodPut, uri, m["registration_access_token"].(string), fmt.Sprintf(`{"client_id":%q,"token_endpoint_auth_method":"client_secret_basic",%s}`, id, tc.metadata))
			wantError(t, r, 400, "invalid_client_metadata", "token_endpoint_auth_method", "none")
			continue
		}
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}, "client_id": {id}, "client_secret": {reg["client_secret"].(string)}}
		if r := postForm(t, n.Base+"/default/oauth2/token", form); r.Status != 200 {
			t.Errorf("client_secret_post after the update: %d %s", r.Status, r.Body)
		}
	}
}

// TestSeedSimpleIdServerResponseTypes (seed 003): a client_credentials
// client gets response_types [] (RFC 7591 §2.1: that grant goes with no
// response type), not the seed server's ["code"], which would name a
// response type the client could not use without authorization_code.
// Registration, GET, a PUT that leaves the member out and `client get
// --json` all say the same; asking for "code" is refused, not stored, as
// it is even where the workspace's defaults give "code" (the README's
// SimpleIdServer workspace, TestComingFromAnotherProduct).
func TestSeedSimpleIdServerResponseTypes(t *testing.T) {
	n := startNode(t, nodeOpts{})
	token := n.iat("default", 2)
	reg := n.mustRegister("default", token, `{"grant_types":["client_credentials"],"scope":"openid profile","redirect_uris":["https://tmp.com"]}`)
	uri, id := reg["registration_client_uri"].(string), reg["client_id"].(string)
	upd := send(t, http.MethodPut, uri, reg["registration_access_token"].(string),
		fmt.Sprintf(`{"client_id":%q,"grant_types":["client_credentials"],"scope":"profile"}`, id))
	if upd.Status != 200 {
		t.Fatalf("PUT: %d %s", upd.Status, upd.Body)
	}
	read := send(t, http.MethodGet, uri, upd.JSON(t)["registration_access_token"].(string), "")
	cli := n.clientGet(id)
	for name, view := range map[string]map[string]any{"register": reg, "PUT": upd.JSON(t), "GET": read.JSON(t), "client get": cli} {
		if rt, ok := view["response_types"].([]any); !ok || len(rt) != 0 {
			t.Errorf("%s: response_types %v, want []", name, view["response_types"])
		}
	}
	r := n.register("default", token, `{"grant_types":["client_credentials"],"response_types":["code"]}`)
	wantError(t, r, 400, "invalid_client_metadata", "authorization_code")
}

// TestDCRAuditEscapesWhatStrangersSend: a client id in an RFC 7592 URL is
// audited without its control characters (which forged rows of `audit
// list` and coloured the terminal) and cut short, through the binary.
func TestDCRAuditEscapesWhatStrangersSend(t *testing.T) {
	n := startNode(t, nodeOpts{})
	base := n.Base + "/default/oauth2/register/"
	send(t, http.MethodGet, base+"%1b%5b31mRED%1b%5b0m%0aFAKE-LINE", "wrong", "")
	send(t, http.MethodGet, base+strings.Repeat("a", 5000), "wrong", "")
	text := n.mustCLI("audit", "list", "--workspace", "default")
	if strings.Contains(text, "\x1b") || strings.Contains(text, "\nFAKE-LINE") {
		t.Fatalf("audit list prints what a stranger sent raw:\n%q", text)
	}
	if !strings.Contains(text, `\u001b[31mRED\u001b[0m\u000aFAKE-LINE`) {
		t.Fatalf("the escaped client id is not in audit list:\n%s", text)
	}
	for _, e := range n.auditEvents("default") {
		if id, _ := e["client_id"].(string); len(id) > 200 {
			t.Fatalf("a %d-character client id was audited whole", len(id))
		}
	}
}

// TestOperatorReissuesRegistrationToken: registration access tokens expire
// (registration_token_ttl), and RFC 7592 §5 asks that a client not lose its
// management while registered, so an operator can give a self-registered
// client a new token with the CLI. The token it had, expired or not, stops
// working; the new one manages the client; the reissue is audited with
// credential "operator", never the token. A client an operator made has
// no registration token to replace, and an unknown client is named.
func TestOperatorReissuesRegistrationToken(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    registration:\n      registration_token_ttl: 60\n"})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	id, uri, expired := reg["client_id"].(string), reg["registration_client_uri"].(string), reg["registration_access_token"].(string)
	n.advance(61 * time.Second)
	wantError(t, send(t, http.MethodGet, uri, expired, ""), 401, "invalid_token", "expired")

	before := len(n.auditEvents("default"))
	// The URI is made from the CLI's own base_url (the harness sets none).
	var out struct {
		Token     string `json:"registration_access_token"`
		URI       string `json:"registration_client_uri"`
		ExpiresIn int64  `json:"registration_access_token_expires_in"`
	}
	if err := json.Unmarshal([]byte(n.mustCLI("client", "reissue-token", id, "--json")), &out); err != nil || out.Token == "" || !strings.HasSuffix(out.URI, "/default/oauth2/register/"+id) || out.ExpiresIn != 60 {
		t.Fatalf("client reissue-token --json: %v %+v", err, out)
	}
	if r := send(t, http.MethodGet, uri, out.Token, ""); r.Status != 200 {
		t.Fatalf("GET with the reissued token: %d %s", r.Status, r.Body)
	}
	if got := n.auditedSince("default", before, out.Token, expired); len(got) != 2 || got[0] != (auditKey{"reissue", "accepted", "operator"}) {
		t.Fatalf("audit events after the reissue: %v", got)
	}

	second := n.mustCLI("client", "reissue-token", id)
	if !strings.Contains(second, "shown once") {
		t.Fatalf("client reissue-token: %s", second)
	}
	wantError(t, send(t, http.MethodGet, uri, out.Token, ""), 401, "invalid_token")

	operatorMade, _ := n.createClient("default", "--grant-type", "client_credentials", "--scope", "dcr")
	for args, want := range map[string]string{operatorMade: "not registered through DCR", "nobody": `no client "nobody"`} {
		if out, err := n.cli("client", "reissue-token", args); err == nil || !strings.Contains(out, want) {
			t.Errorf("reissue-token %s: %v %s; want a refusal saying %q", args, err, out, want)
		}
	}
}
