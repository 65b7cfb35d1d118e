package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// directory is a software statement issuer for tests: an ES256 key and
// its public JWK Set.
type directory struct {
	name string
	assertionKey
}

func newDirectory(t testing.TB, name, kid string) directory {
	return directory{name: name, assertionKey: newAssertionKey(t, kid)}
}

// statement is a software statement for softwareID issued now, with
// extra claims.
func (d directory) statement(t testing.TB, now time.Time, softwareID string, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"iss": d.name, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": fmt.Sprint(now.UnixNano()),
		"software_id": softwareID, "software_client_name": "Directory App " + softwareID,
		"software_redirect_uris": []string{"https://tpp.example/cb"}, "org_id": "org-1",
	}
	for k, v := range extra {
		claims[k] = v
	}
	token, err := d.signer.Sign("JWT", claims)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// statementWorkspace is a workspace "bank" protected by software
// statements from dir, whose keys are written inline in the YAML.
func statementWorkspace(dir directory, extra string) string {
	return `workspaces:
  - name: bank
    registration:
      mode: software_statement
      software_statement:
        mode: required
        issuers:
          - issuer: "` + dir.name + `"
            jwks: ` + dir.jwks + `
            algs: [ES256]
        max_age: 24h
` + extra
}

// TestSoftwareStatementRegistration: in mode software_statement a
// statement from a trusted (inline jwks) issuer registers without a bearer
// token; the answer echoes the statement with its claims applied; the
// client records its issuer, shown by `client get` and `client list`;
// an untrusted issuer's statement, or none, is refused and stores nothing.
func TestSoftwareStatementRegistration(t *testing.T) {
	dir := newDirectory(t, "Test Directory", "dir-1")
	n := startNode(t, nodeOpts{YAML: statementWorkspace(dir, "")})
	ssa := dir.statement(t, n.now(), "sw-1", nil)
	body := `{"redirect_uris":["https://tpp.example/cb"],"grant_types":["authorization_code"],"client_name":"Mine","software_statement":"` + ssa + `"}`
	reg := n.mustRegister("bank", "", body)
	if reg["software_statement"] != ssa || reg["software_id"] != "sw-1" || reg["client_name"] != "Directory App sw-1" {
		t.Fatalf("answer: %v", reg)
	}
	id := reg["client_id"].(string)
	var got map[string]any
	if err := json.Unmarshal([]byte(n.mustCLI("client", "get", "--workspace", "bank", id, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if prov, _ := got["registered"].(map[string]any); prov["software_statement_iss"] != dir.name {
		t.Errorf("client get: registered %v", got["registered"])
	}
	if out := n.mustCLI("client", "get", "--workspace", "bank", id); !strings.Contains(out, "software statement from "+dir.name) {
		t.Errorf("client get:\n%s", out)
	}
	if out := n.mustCLI("client", "list", "--workspace", "bank"); !strings.Contains(out, "DCR (statement: "+dir.name+")") {
		t.Errorf("client list:\n%s", out)
	}
	before := n.clientCount("bank")
	stranger := newDirectory(t, "Stranger", "dir-1")
	r := n.register("bank", "", `{"redirect_uris":["https://tpp.example/cb"],"software_statement":"`+stranger.statement(t, n.now(), "sw-1", nil)+`"}`)
	wantError(t, r, 400, "unapproved_software_statement", "Stranger")
	forged := newDirectory(t, dir.name, "dir-1") // the trusted name and kid, another key
	r = n.register("bank", "", `{"redirect_uris":["https://tpp.example/cb"],"software_statement":"`+forged.statement(t, n.now(), "sw-1", nil)+`"}`)
	wantError(t, r, 400, "invalid_software_statement")
	r = n.register("bank", "", `{"redirect_uris":["https://tpp.example/cb"]}`)
	wantError(t, r, 400, "invalid_software_statement")
	r = n.register("bank", "", `{"redirect_uris":["https://evil.example/cb"],"software_statement":"`+ssa+`"}`)
	wantError(t, r, 400, "invalid_redirect_uri", "software_redirect_uris")
	if got := n.clientCount("bank"); got != before {
		t.Errorf("refusals stored clients: %d, want %d", got, before)
	}
}

// TestSignedRegistrationBody: with registration.signed_request required,
// a registration is a JWS (application/jose) signed with the software's
// keys its statement names; it registers once, and the same body again,
// one for another workspace, one whose iss is not the software, or plain
// JSON, is refused and stores nothing.
func TestSignedRegistrationBody(t *testing.T) {
	dir := newDirectory(t, "Test Directory", "dir-1")
	software := newDirectory(t, "sw-1", "sw-key") // the software signs its own requests
	n := startNode(t, nodeOpts{YAML: statementWorkspace(dir, `      signed_request: required
      audiences: [org-bank]
`)})
	endpoint := n.Base + "/bank/oauth2/register"
	ssa := dir.statement(t, n.now(), "sw-1", map[string]any{"software_jwks": json.RawMessage(software.jwks)})
	signed := signedRegistration(t, n, software, ssa)
	body := signed("jti-1", nil)
	r := post(t, endpoint, "application/jose", body)
	if r.Status != 201 {
		t.Fatalf("signed registration: %d %s", r.Status, r.Body)
	}
	if m := r.JSON(t); m["software_statement"] != ssa || m["software_id"] != "sw-1" {
		t.Errorf("answer %v", m)
	}
	before := n.clientCount("bank")
	wantError(t, post(t, endpoint, "application/jose", body), 400, "invalid_client_metadata", "used before")
	wantError(t, post(t, endpoint, "application/jose", signed("jti-2", map[string]any{"aud": n.Base + "/default"})), 400, "invalid_client_metadata", "aud")
	wantError(t, post(t, endpoint, "application/jose", signed("jti-3", map[string]any{"iss": "sw-2"})), 400, "invalid_client_metadata", "iss")
	wantError(t, post(t, endpoint, "application/json", `{"redirect_uris":["https://tpp.example/cb"],"software_statement":"`+ssa+`"}`), 400, "invalid_client_metadata", "signed")
	if got := n.clientCount("bank"); got != before {
		t.Errorf("refusals stored clients: %d, want %d", got, before)
	}
	// application/jwt is read as application/jose.
	if r := post(t, endpoint, "application/jwt", signed("jti-4", map[string]any{"aud": n.Base + "/bank"})); r.Status != 201 {
		t.Errorf("application/jwt: %d %s", r.Status, r.Body)
	}
}

// signedRegistration makes registration bodies for "bank" signed by
// software "sw-1" and carrying its statement ssa: the jti given, and the
// claims in edit over the usual ones.
func signedRegistration(t *testing.T, n *node, software directory, ssa string) func(jti string, edit map[string]any) string {
	return func(jti string, edit map[string]any) string {
		now := n.now()
		claims := map[string]any{
			"iss": "sw-1", "aud": "org-bank", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": jti,
			"redirect_uris": []string{"https://tpp.example/cb"}, "grant_types": []string{"authorization_code"},
			"software_statement": ssa,
		}
		for k, v := range edit {
			claims[k] = v
		}
		token, err := software.signer.Sign("JWT", claims)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
}

// TestDryRunSignedRegistration: a dry run refuses a signed body whose jti
// was spent, as the real call does, and spends none itself: the body it
// allowed then registers.
func TestDryRunSignedRegistration(t *testing.T) {
	dir := newDirectory(t, "Test Directory", "dir-1")
	software := newDirectory(t, "sw-1", "sw-key")
	n := startNode(t, nodeOpts{YAML: statementWorkspace(dir, `      signed_request: required
      audiences: [org-bank]
`)})
	endpoint := n.Base + "/bank/oauth2/register"
	signed := signedRegistration(t, n, software, dir.statement(t, n.now(), "sw-1", map[string]any{"software_jwks": json.RawMessage(software.jwks)}))

	used := signed("jti-used", nil)
	if r := post(t, endpoint, "application/jose", used); r.Status != 201 {
		t.Fatalf("signed registration: %d %s", r.Status, r.Body)
	}
	r := post(t, endpoint+"?dry_run=true", "application/jose", used)
	wantError(t, r, 400, "invalid_client_metadata", "used before")
	if !strings.Contains(string(r.Body), `"violations"`) {
		t.Errorf("dry run refusal lists no violations: %s", r.Body)
	}

	fresh := signed("jti-fresh", nil)
	if r := post(t, endpoint+"?dry_run=true", "application/jose", fresh); r.Status != 200 {
		t.Fatalf("dry run of a fresh body: %d %s", r.Status, r.Body)
	}
	if r := post(t, endpoint, "application/jose", fresh); r.Status != 201 {
		t.Errorf("the body a dry run allowed does not register: %d %s", r.Status, r.Body)
	}
}
