package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// policiesHeading starts the README section whose YAML block
// TestREADMEPolicies runs.
const policiesHeading = "### Registration policies (CEL)"

// readmePoliciesYAML is the YAML block of the README's policies section,
// as written.
func readmePoliciesYAML(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), policiesHeading)
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 || !strings.Contains(block, "      policies:\n") {
		t.Fatalf("README's %q lost its YAML block with policies; update this test", policiesHeading)
	}
	return block
}

// readmeDirectoryKeys is where README's workspace finds its directory's
// keys, replaced in the tests by the test directory's.
const readmeDirectoryKeys = "            jwks_uri: https://directory.partner.example/keys.jwks\n"

// policyWorkspaces: "partners" as README declares it, its directory the
// test's dir (named as README names it), and "gated", protected by
// initial access tokens, with rules that fail while they run.
func policyWorkspaces(t *testing.T, dir directory) string {
	partners := readmePoliciesYAML(t)
	if !strings.Contains(partners, readmeDirectoryKeys) {
		t.Fatalf("README's workspace no longer reads its directory's keys from %q; update this test", readmeDirectoryKeys)
	}
	partners = strings.Replace(partners, readmeDirectoryKeys, "            jwks: "+dir.jwks+"\n            algs: [ES256]\n", 1)
	return partners + `  - name: gated
    registration:
      mode: initial_access_token
      policy_cost_limit: 500
      policies:
        - name: needs-contacts
          when: "request.client_name != 'costly'"
          rule: "request.contacts.size() > 0"
          message: "give contacts"
        - name: costly
          when: "request.client_name == 'costly'"
          rule: "request.redirect_uris.all(a, request.redirect_uris.all(b, request.redirect_uris.all(c, a + b + c != '')))"
          message: "too dear"
        - name: not-on-update
          rule: "operation == 'create' || client.client_name == request.client_name"
          message: "the name stays"
`
}

// partnerRequest is a registration to "partners" with a statement for
// software_id, its roles and redirect URIs, asking for scope.
func partnerRequest(t *testing.T, n *node, dir directory, softwareID string, roles, redirects []string, scope string) string {
	ssa := dir.statement(t, n.now(), softwareID, map[string]any{"software_roles": roles, "software_redirect_uris": redirects})
	body, _ := json.Marshal(map[string]any{"software_statement": ssa, "redirect_uris": redirects, "scope": scope})
	return string(body)
}

// TestREADMEPolicies runs README's three example rules through the real
// binary: a request they allow registers; each one denies what it is
// meant to, naming itself in the answer and the audit trail; a dry run
// lists every failure at once and stores nothing.
func TestREADMEPolicies(t *testing.T) {
	dir := newDirectory(t, "Partner Directory", "dir-1")
	n := startNode(t, nodeOpts{YAML: policyWorkspaces(t, dir)})
	good := []string{"https://app.partner.example/cb"}
	n.mustRegister("partners", "", partnerRequest(t, n, dir, "acme", []string{"AISP"}, good, "openid accounts"))

	r := n.register("partners", "", partnerRequest(t, n, dir, "acme", []string{"AISP"}, []string{"https://evil.example/cb"}, "openid accounts"))
	wantError(t, r, 400, "invalid_client_metadata", `policy "partner-redirects": redirect URIs must be https on partner.example`)
	r = n.register("partners", "", partnerRequest(t, n, dir, "", []string{"AISP"}, good, "openid accounts"))
	wantError(t, r, 400, "unapproved_software_statement", `policy "require-software-id"`)
	r = n.register("partners", "", partnerRequest(t, n, dir, "acme", []string{"AISP"}, good, "openid payments"))
	wantError(t, r, 400, "invalid_client_metadata", `policy "scopes-by-role"`)
	if e := n.auditEvents("partners")[0]; e["outcome"] != "denied" || !strings.Contains(e["reason"].(string), `policy "scopes-by-role"`) {
		t.Errorf("audit event: %v", e)
	}

	before := n.clientCount("partners")
	bad := partnerRequest(t, n, dir, "acme", []string{"AISP"}, []string{"https://evil.example/cb"}, "openid payments")
	bad = strings.Replace(bad, "{", `{"logo_uri":"ftp://logo.example/x.png",`, 1)
	r = post(t, n.Base+"/partners/oauth2/register?dry_run=true", "application/json", bad)
	var refusal struct {
		Error      string
		Violations []struct{ Rule, Message string }
	}
	if err := json.Unmarshal(r.Body, &refusal); err != nil || r.Status != 400 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	var rules []string
	for _, v := range refusal.Violations {
		rules = append(rules, v.Rule)
	}
	if strings.Join(rules, ",") != "logo_uri,partner-redirects,scopes-by-role" {
		t.Errorf("dry run violations: %s", r.Body)
	}
	r = post(t, n.Base+"/partners/oauth2/register?dry_run=true", "application/json", partnerRequest(t, n, dir, "acme", []string{"AISP"}, good, "openid accounts"))
	var allowed map[string]map[string]any
	if json.Unmarshal(r.Body, &allowed); r.Status != 200 || allowed["client"]["scope"] != "openid accounts" || allowed["client"]["client_id"] != nil || allowed["client"]["client_secret"] != nil {
		t.Errorf("allowed dry run: %d %s", r.Status, r.Body)
	}
	if got := n.clientCount("partners"); got != before {
		t.Errorf("dry runs stored clients: %d, want %d", got, before)
	}
}

// TestPolicyEvaluationFailures: a rule that reads a missing member or
// passes the cost limit denies, naming itself and why, never a 500; rules
// judge updates too; a dry run spends no initial access token, and one
// used up is refused to it as to the real call.
func TestPolicyEvaluationFailures(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: policyWorkspaces(t, newDirectory(t, "Unused", "k"))})
	iat := n.iat("gated", 1)
	r := n.register("gated", iat, `{"redirect_uris":["https://app.example/cb"],"client_name":"A"}`)
	wantError(t, r, 400, "invalid_client_metadata", `policy "needs-contacts"`, "no such key: contacts")
	uris := make([]string, 30)
	for i := range uris {
		uris[i] = "https://app.example/cb" + strings.Repeat("x", i)
	}
	body, _ := json.Marshal(map[string]any{"redirect_uris": uris, "client_name": "costly"})
	r = n.register("gated", iat, string(body))
	wantError(t, r, 400, "invalid_client_metadata", `policy "costly"`, "cost limit")

	ok := `{"redirect_uris":["https://app.example/cb"],"client_name":"A","contacts":["ops@example.com"]}`
	r = send(t, "POST", n.Base+"/gated/oauth2/register?dry_run=true", iat, ok)
	if r.Status != 200 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	reg := n.mustRegister("gated", iat, ok) // the dry run left the one use
	r = send(t, "POST", n.Base+"/gated/oauth2/register?dry_run=true", iat, ok)
	wantError(t, r, 401, "invalid_token")

	update := `{"client_id":"` + reg["client_id"].(string) + `","redirect_uris":["https://app.example/cb"],"client_name":"B","contacts":["ops@example.com"]}`
	// Only a registration has a dry run: an update asking for one is
	// refused, not carried out (its token would rotate).
	r = send(t, "PUT", reg["registration_client_uri"].(string)+"?dry_run=true", reg["registration_access_token"].(string), update)
	wantError(t, r, 400, "invalid_request", "dry_run")
	r = send(t, "PUT", reg["registration_client_uri"].(string), reg["registration_access_token"].(string), update)
	wantError(t, r, 400, "invalid_client_metadata", `policy "not-on-update": the name stays`)
}

// TestPolicyConfigErrors: a rule that does not compile, names an unknown
// variable or returns a string or an untyped member stops serve, naming
// the rule and its line.
func TestPolicyConfigErrors(t *testing.T) {
	dir := t.TempDir()
	yaml := `workspaces:
  - name: w
    registration:
      policies:
        - name: broken
          rule: "request.(("
          message: x
        - name: misspelt
          rule: "requests.scope == 'a'"
          message: x
        - name: stringy
          rule: "'yes'"
          message: x
        - name: untyped
          rule: "request.client_name"
          message: x
`
	if err := os.WriteFile(filepath.Join(dir, "registrar.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runFailing(t, dir, []string{"REGISTRAR_MASTER_KEY=" + strings.Repeat("A", 43) + "="}, "serve", "--config", "registrar.yaml", "--listen", "127.0.0.1:0")
	for _, want := range []string{
		`line 6: workspaces[0] (w).registration.policies: policy "broken": rule: ERROR: <input>:1:`,
		`line 9: workspaces[0] (w).registration.policies: policy "misspelt": rule: ERROR: <input>:1:1: undeclared reference to 'requests'`,
		`line 12: workspaces[0] (w).registration.policies: policy "stringy": rule: returns string, not a bool`,
		`line 15: workspaces[0] (w).registration.policies: policy "untyped": rule: returns dyn, not a bool: a member of the request, statement or token may hold any type; compare it`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestPolicyTestCommand: `registrar policy test` judges a request offline
// against the YAML: exit 1 printing each failed rule, exit 0 allowed, exit 2
// when it cannot judge.
func TestPolicyTestCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("registrar.yaml", policyWorkspaces(t, newDirectory(t, "Unused", "k"))+`        - name: dcr-token
          rule: "token.scope.split(' ').exists(s, s == 'dcr')"
          message: "register with a dcr token"
`)
	write("denied.json", `{"redirect_uris":["https://app.example/cb"],"client_name":"A"}`)
	write("allowed.json", `{"redirect_uris":["https://app.example/cb"],"client_name":"A","contacts":["ops@example.com"]}`)
	write("claims.json", `{"scope":"openid dcr","exp":4102444800}`)
	policyTest := func(args ...string) (string, int) {
		cmd := exec.Command(binary, append([]string{"policy", "test", "--config", "registrar.yaml", "--db", "sqlite:registrar.db", "--workspace", "gated"}, args...)...)
		cmd.Dir, cmd.Env = dir, append(baseEnv(), "REGISTRAR_MASTER_KEY="+strings.Repeat("A", 43)+"=")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	out, code := policyTest("denied.json")
	if code != 1 || !strings.Contains(out, "needs-contacts: give contacts") || !strings.Contains(out, "dcr-token: register with a dcr token") {
		t.Errorf("denied: exit %d\n%s", code, out)
	}
	if out, code = policyTest("--token-claims", "claims.json", "allowed.json"); code != 0 || !strings.Contains(out, `"contacts"`) {
		t.Errorf("allowed: exit %d\n%s", code, out)
	}
	// A request it cannot read is no denial: a pipeline must tell the two apart.
	if out, code = policyTest("missing.json"); code != 2 {
		t.Errorf("a missing request file: exit %d, want 2\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "registrar.db")); err == nil {
		t.Error("policy test created a store")
	}
}
