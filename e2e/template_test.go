package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTemplateRegistration: a statement whose software_id a template
// lists registers a client made of the template's fixed metadata plus the
// open fields; the response and `client get` name the template; a request
// that sets a fixed member differently, or a member the template leaves
// closed, a registration naming an unknown template and, under
// templates_only, one no template picks are refused, and none is stored.
func TestTemplateRegistration(t *testing.T) {
	dir := newDirectory(t, "Test Directory", "dir-1")
	n := startNode(t, nodeOpts{YAML: statementWorkspace(dir, `      templates_only: true
      templates:
        - name: partner-web
          software_ids: [acme-portal]
          client:
            grant_types: [authorization_code, refresh_token]
            scope: "openid profile"
            token_endpoint_auth_method: client_secret_post
            access_token_lifetime: 300
          open_fields: [redirect_uris, client_name, logo_uri]
`)})
	ssa := dir.statement(t, n.now(), "acme-portal", nil)
	reg := n.mustRegister("bank", "", `{"redirect_uris":["https://tpp.example/cb"],"software_statement":"`+ssa+`"}`)
	if reg["template"] != "partner-web" || reg["scope"] != "openid profile" || reg["token_endpoint_auth_method"] != "client_secret_post" ||
		reg["access_token_lifetime"] != float64(300) || reg["client_name"] != "Directory App acme-portal" {
		t.Fatalf("answer: %v", reg)
	}
	if grants, _ := reg["grant_types"].([]any); len(grants) != 2 {
		t.Errorf("grant_types %v: want the template's two", reg["grant_types"])
	}
	if out := n.mustCLI("client", "get", "--workspace", "bank", reg["client_id"].(string)); !strings.Contains(out, "template:      partner-web") {
		t.Errorf("client get:\n%s", out)
	}
	before := n.clientCount("bank")
	r := n.register("bank", "", `{"redirect_uris":["https://tpp.example/cb"],"scope":"openid email","contacts":["ops@tpp.example"],"software_statement":"`+ssa+`"}`)
	wantError(t, r, 400, "invalid_client_metadata", `template:partner-web: scope: template "partner-web" fixes it`, "contacts:")
	r = post(t, n.Base+"/bank/oauth2/register?dry_run=true", "application/json", `{"redirect_uris":["https://tpp.example/cb"],"scope":"openid email","contacts":["ops@tpp.example"],"software_statement":"`+ssa+`"}`)
	var dry struct {
		Violations []struct{ Rule, Message string }
	}
	if err := json.Unmarshal(r.Body, &dry); err != nil || r.Status != 400 || len(dry.Violations) != 2 ||
		dry.Violations[0].Rule != "template:partner-web" || dry.Violations[1].Rule != "template:partner-web" {
		t.Errorf("dry run: %d %s: want both template violations", r.Status, r.Body)
	}
	r = n.register("bank", "", `{"template":"nope","software_statement":"`+dir.statement(t, n.now(), "other-app", nil)+`"}`)
	wantError(t, r, 400, "invalid_client_metadata", `no template "nope"`)
	r = n.register("bank", "", `{"software_statement":"`+dir.statement(t, n.now(), "other-app", nil)+`"}`)
	wantError(t, r, 400, "invalid_client_metadata", "only clients made from a template")
	if got := n.clientCount("bank"); got != before {
		t.Errorf("refusals stored clients: %d, want %d", got, before)
	}
}

// TestRegistrationDefaultsAndTokenUse: a workspace's defaults fill what a
// registration omits and the response shows them; under token_use
// until_expiry one access token carrying the registration scope registers
// twice, while under the default (once) the second use is refused.
func TestRegistrationDefaultsAndTokenUse(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: `workspaces:
  - name: duende
    registration:
      token_use: until_expiry
      defaults:
        scope: openid email profile
        token_endpoint_auth_method: client_secret_post
        grant_types: [authorization_code, refresh_token]
        access_token_lifetime: 300
  - name: strict
`})
	for _, tc := range []struct {
		ws         string
		secondWins bool
	}{{"duende", true}, {"strict", false}} {
		id, secret := n.createClient(tc.ws, "--grant-type", "client_credentials", "--scope", "dcr")
		token := n.clientCredentials(tc.ws, id, secret, "dcr")["access_token"].(string)
		body := `{"redirect_uris":["https://app.example/cb"],"identity_token_lifetime":120}`
		reg := n.mustRegister(tc.ws, token, body)
		if reg["id_token_lifetime"] != float64(120) {
			t.Errorf("%s: id_token_lifetime %v: want Duende's identity_token_lifetime under our name", tc.ws, reg["id_token_lifetime"])
		}
		if tc.ws == "duende" && (reg["scope"] != "openid email profile" || reg["token_endpoint_auth_method"] != "client_secret_post" || reg["access_token_lifetime"] != float64(300)) {
			t.Errorf("defaults not in the answer: %v", reg)
		}
		r := n.register(tc.ws, token, body)
		if tc.secondWins && r.Status != 201 {
			t.Errorf("%s: second registration with the token: %d %s", tc.ws, r.Status, r.Body)
		}
		if !tc.secondWins {
			wantError(t, r, 401, "invalid_token")
		}
	}
}
