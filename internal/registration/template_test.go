package registration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// withPartnerTemplate gives the fixture's workspace the README's
// partner-web template, picked by software_id acme-portal.
func (f *fixture) withPartnerTemplate(tb testing.TB) {
	tb.Helper()
	f.ws.Settings.Registration.Templates = []workspace.Template{{
		Name:        "partner-web",
		SoftwareIDs: []string{"acme-portal"},
		Client:      fields(tb, `{"grant_types":["authorization_code","refresh_token"],"scope":"openid profile","token_endpoint_auth_method":"client_secret_post","access_token_lifetime":300}`),
		OpenFields:  []string{"redirect_uris", "client_name", "logo_uri", "jwks", "jwks_uri"},
	}}
	if errs := f.ws.Settings.Validate(); len(errs) > 0 {
		tb.Fatal(errs)
	}
}

// wantTemplateRefusal fails unless err is invalid_client_metadata whose
// description holds every one of want.
func wantTemplateRefusal(tb testing.TB, err error, want ...string) {
	tb.Helper()
	oe := wantCode(tb, err, oautherr.InvalidClientMetadata)
	for _, w := range want {
		if !strings.Contains(oe.Description, w) {
			tb.Errorf("description %q: want it to hold %q", oe.Description, w)
		}
	}
}

func TestTemplatePickedBySoftwareID(t *testing.T) {
	f := newFixture(t)
	f.withPartnerTemplate(t)
	resp, err := f.openRegister(`{"software_id":"acme-portal","redirect_uris":["https://app.example/cb"],"client_name":"Acme"}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp["template"] != "partner-web" || resp["scope"] != "openid profile" || resp["token_endpoint_auth_method"] != "client_secret_post" || resp["access_token_lifetime"] != float64(300) || resp["client_name"] != "Acme" {
		t.Errorf("response %v: want the template's fixed metadata, its name and the open fields", resp)
	}
	cl, err := f.store.ClientByID(context.Background(), f.ws.Name, resp["client_id"].(string))
	if err != nil || cl.Metadata.Template != "partner-web" {
		t.Errorf("stored template %q (%v): want the client to record it", cl.Metadata.Template, err)
	}
}

func TestTemplatePickedByName(t *testing.T) {
	f := newFixture(t)
	f.withPartnerTemplate(t)
	resp, err := f.openRegister(`{"template":"partner-web","redirect_uris":["https://app.example/cb"],"grant_types":["refresh_token","authorization_code"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp["template"] != "partner-web" || resp["scope"] != "openid profile" {
		t.Errorf("response %v: want the template's client", resp)
	}
}

func TestTemplateRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"fixed member set differently", `{"software_id":"acme-portal","redirect_uris":["https://app.example/cb"],"scope":"openid email"}`,
			[]string{"template:partner-web", "scope: template \"partner-web\" fixes it"}},
		{"member neither fixed nor open", `{"template":"partner-web","redirect_uris":["https://app.example/cb"],"contacts":["a@example.com"]}`,
			[]string{"contacts: template \"partner-web\" does not let a registration set it"}},
		{"every refusal at once", `{"template":"partner-web","redirect_uris":["https://app.example/cb"],"contacts":["a@example.com"],"token_endpoint_auth_method":"none"}`,
			[]string{"contacts:", "token_endpoint_auth_method:"}},
		{"unknown template", `{"template":"nope","redirect_uris":["https://app.example/cb"]}`,
			[]string{"template:nope", "no template \"nope\""}},
		{"software_id of another template", `{"template":"cli","software_id":"acme-portal","redirect_uris":["https://app.example/cb"]}`,
			[]string{"software_id: \"acme-portal\" is registered from template \"partner-web\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.withPartnerTemplate(t)
			f.ws.Settings.Registration.Templates = append(f.ws.Settings.Registration.Templates, workspace.Template{Name: "cli", OpenFields: []string{"redirect_uris"}})
			_, err := f.openRegister(tc.body)
			wantTemplateRefusal(t, err, tc.want...)
			if f.clients(t) != 0 {
				t.Error("a refused registration stored a client")
			}
		})
	}
}

func TestTemplatesOnly(t *testing.T) {
	f := newFixture(t)
	f.withPartnerTemplate(t)
	body := `{"redirect_uris":["https://app.example/cb"]}`
	if _, err := f.openRegister(body); err != nil {
		t.Fatalf("without templates_only, a registration no template picks is made as ever: %v", err)
	}
	f.ws.Settings.Registration.TemplatesOnly = true
	_, err := f.openRegister(body)
	wantTemplateRefusal(t, err, "only clients made from a template")
}

// An update is held to the client's template: it may send back what it
// read, change the open fields, and nothing else.
func TestTemplateHoldsUpdates(t *testing.T) {
	f := newFixture(t)
	f.withPartnerTemplate(t)
	current := client.Metadata{Template: "partner-web", RedirectURIs: []string{"https://app.example/cb"}, ApplicationType: "web",
		GrantTypes: []string{"authorization_code", "refresh_token"}, Scope: "openid profile"}
	echo := current.Clone()
	echo.RedirectURIs = []string{"https://app.example/new"}
	if _, err := applyTemplate(f.ws, echo, &current); err != nil {
		t.Errorf("sending back the client's own values and a new open field: %v", err)
	}
	changed := echo.Clone()
	changed.ApplicationType = "native"
	_, err := applyTemplate(f.ws, changed, &current)
	wantTemplateRefusal(t, err, "application_type: template \"partner-web\" does not let")
	moved := echo.Clone()
	moved.Template = "other"
	_, err = applyTemplate(f.ws, moved, &current)
	wantTemplateRefusal(t, err, "cannot move to \"other\"")
}

// The dry run lists a template's refusals beside the others.
func TestTemplateViolations(t *testing.T) {
	f := newFixture(t)
	f.withPartnerTemplate(t)
	md := client.Metadata{Template: "partner-web", Contacts: []string{"a@example.com"}, Scope: "email"}
	judged, v := templateViolations(f.ws, md, nil)
	if len(v) != 2 || v[0].Rule != "template:partner-web" || v[1].Rule != "template:partner-web" {
		t.Errorf("violations %+v: want contacts and scope, each under template:partner-web", v)
	}
	// What the dry run judges next is the template's client, not the
	// refused scope, which would be refused again as a scope of its own.
	if judged.Scope == "email" {
		t.Errorf("the dry run goes on with the refused scope %q instead of the template's", judged.Scope)
	}
}

// An RFC 7592 update goes through the template step: sending back the
// whole registration with a new open field is accepted, and changing a
// fixed member is refused and changes nothing.
func TestTemplateHoldsUpdatesThroughTheService(t *testing.T) {
	f := newFixture(t)
	f.withPartnerTemplate(t)
	resp, err := f.openRegister(`{"software_id":"acme-portal","redirect_uris":["https://app.example/cb"]}`)
	if err != nil {
		t.Fatal(err)
	}
	id, rat := resp["client_id"].(string), resp["registration_access_token"].(string)
	echo := map[string]any{}
	for k, v := range resp {
		echo[k] = v
	}
	for _, k := range []string{"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at", "client_secret"} {
		delete(echo, k)
	}
	echo["client_name"] = "Renamed"
	body, _ := json.Marshal(echo)
	f.tick()
	updated, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: body})
	if err != nil {
		t.Fatalf("sending back the registration with a new client_name: %v", err)
	}
	if updated["client_name"] != "Renamed" || updated["template"] != "partner-web" {
		t.Errorf("update answered %v", updated)
	}
	echo["scope"] = "openid"
	body, _ = json.Marshal(echo)
	f.tick()
	_, err = f.svc.Update(context.Background(), f.ws, id, Request{Bearer: updated["registration_access_token"].(string), Body: body})
	wantTemplateRefusal(t, err, `scope: template "partner-web" fixes it`)
}

// BenchmarkApplyTemplate is the template step of the bench's
// register-policies workload.
func BenchmarkApplyTemplate(b *testing.B) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	ws.Settings.Registration.Templates = []workspace.Template{{
		Name: "bench",
		Client: workspace.ClientFields{
			"grant_types":                json.RawMessage(`["client_credentials"]`),
			"scope":                      json.RawMessage(`"profile"`),
			"token_endpoint_auth_method": json.RawMessage(`"client_secret_basic"`),
		},
		OpenFields: []string{"client_name"},
	}}
	md, err := client.DecodeMetadata(map[string]json.RawMessage{
		"template": json.RawMessage(`"bench"`), "client_name": json.RawMessage(`"bench"`),
		"grant_types": json.RawMessage(`["client_credentials"]`), "scope": json.RawMessage(`"profile"`),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := applyTemplate(ws, md, nil); err != nil {
			b.Fatal(err)
		}
	}
}
