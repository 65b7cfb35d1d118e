package admin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func clientCredentials(scope string) client.Metadata {
	return client.Metadata{GrantTypes: []string{client.GrantClientCredentials}, TokenEndpointAuthMethod: client.AuthClientSecretBasic, Scope: scope}
}

func codeClient(redirects ...string) client.Metadata {
	return client.Metadata{GrantTypes: []string{client.GrantAuthorizationCode}, TokenEndpointAuthMethod: client.AuthClientSecretBasic, RedirectURIs: redirects}
}

// TestCreateClientRefusesInvalidMetadata: an operator's client goes
// through client.Validate; what it refuses is an oautherr error naming the
// member, and nothing is stored.
func TestCreateClientRefusesInvalidMetadata(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	withAuth := func(md client.Metadata, method string) client.Metadata {
		md.TokenEndpointAuthMethod = method
		return md
	}
	withName := func(md client.Metadata, name string) client.Metadata { md.ClientName = name; return md }
	cases := map[string]struct {
		md     client.Metadata
		member string
	}{
		"http to a network host":    {codeClient("http://app.example/cb"), "redirect_uris"},
		"script scheme":             {codeClient("javascript:alert(1)"), "redirect_uris"},
		"fragment":                  {codeClient("https://app.example/cb#frag"), "redirect_uris"},
		"relative":                  {codeClient("/relative/cb"), "redirect_uris"},
		"wildcard":                  {codeClient("https://*.example/cb"), "redirect_uris"},
		"dot segment":               {codeClient("https://app.example/a/../cb"), "redirect_uris"},
		"generic private scheme":    {codeClient("myapp:/cb"), "redirect_uris"},
		"code grant, no redirect":   {codeClient(), "redirect_uris"},
		"grant not implemented":     {client.Metadata{GrantTypes: []string{"password"}, TokenEndpointAuthMethod: client.AuthClientSecretBasic}, "grant_types"},
		"auth not implemented":      {withAuth(clientCredentials(""), client.AuthPrivateKeyJWT), "token_endpoint_auth_method"},
		"public client_credentials": {withAuth(clientCredentials(""), client.AuthNone), "grant_types"},
		"unknown scope":             {clientCredentials("openid launch-missiles"), "scope"},
		"control character in name": {withName(clientCredentials(""), "evil\nname"), "client_name"},
	}
	for name, tc := range cases {
		_, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: tc.md, Origin: client.OriginCLI})
		var oe *oautherr.Error
		if !errors.As(err, &oe) || !strings.HasPrefix(oe.Description, tc.member) {
			t.Errorf("%s: err = %v; want an oautherr error about %s", name, err, tc.member)
		}
	}
	if n, err := f.st.CountClients(f.ctx, workspace.DefaultName); err != nil || n != 0 {
		t.Fatalf("refused creations stored %d clients (%v)", n, err)
	}
}

// TestOperatorRedirects: an operator's redirect URIs follow the rules no
// client may break, whoever makes it: one spelling per host, a usable
// port, no fragment, and http only to a loopback host RFC 8252 §7.3 names
// — which a web client in development may use too.
func TestOperatorRedirects(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	cases := []struct {
		uris []string
		ok   bool
	}{
		{[]string{"http://127.0.0.1:8080/cb"}, true},
		{[]string{"http://[::1]/cb"}, true},
		{[]string{"http://localhost/cb"}, true},
		{[]string{"https://app.example/cb", "http://localhost:3000/cb"}, true},
		{[]string{"https://xn--exmple-cua.com/cb"}, true},
		{[]string{"com.example.app:/cb"}, true},
		{[]string{"https://exämple.com/cb"}, false},
		{[]string{"https://EXAMPLE.com/cb"}, false},
		{[]string{"http://[::ffff:127.0.0.1]/cb"}, false},
		{[]string{"http://[::ffff:7f00:1]:8080/cb"}, false},
		{[]string{"http://[0:0:0:0:0:0:0:1]/cb"}, false},
		{[]string{"https://[2001:DB8::1]/cb"}, false},
		{[]string{"https://[::ffff:192.0.2.1]/cb"}, false},
		{[]string{"http://127.0.0.1:99999/cb"}, false},
		{[]string{"https://a.example/cb#fragment"}, false},
		{[]string{"http://[::1%25lo]:8080/cb"}, false},
	}
	for _, tc := range cases {
		_, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: codeClient(tc.uris...), Origin: client.OriginCLI})
		if (err == nil) != tc.ok {
			t.Errorf("%v: err = %v; want accepted %v", tc.uris, err, tc.ok)
		}
		if CheckClientMetadata(codeClient(tc.uris...)) == nil != tc.ok {
			t.Errorf("%v: CheckClientMetadata disagrees with CreateClient", tc.uris)
		}
	}
}

// TestOperatorPolicyIsWiderThanDCR: a workspace's DCR allow-lists bind
// strangers, not operators: the bootstrap client's registration scope,
// grant types and auth methods DCR does not offer, redirect hosts outside
// DCR's list are all an operator's to use.
func TestOperatorPolicyIsWiderThanDCR(t *testing.T) {
	settings := workspace.DefaultSettings()
	settings.Registration.GrantTypes = []string{client.GrantAuthorizationCode}
	settings.Registration.AuthMethods = []string{client.AuthNone}
	settings.Registration.Scopes = []string{"openid"}
	settings.Registration.RedirectHosts = []string{"dcr.example"}
	f := newFixture(t, settings)
	for _, md := range []client.Metadata{clientCredentials("dcr profile"), codeClient("https://operator.example/cb")} {
		if _, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: md, Origin: client.OriginCLI}); err != nil {
			t.Errorf("%+v: %v", md, err)
		}
	}
}

// TestCreateClientUsesTheClock: the injected clock dates the client, and
// the stored record is the one returned, with its secret kept as a hash
// that never expires. The metadata is stored as given (plus response type
// code for the code grant), its RFC defaults left to readers.
func TestCreateClientUsesTheClock(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	created, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: codeClient("http://localhost:3000/cb"), Origin: client.OriginCLI})
	if err != nil {
		t.Fatal(err)
	}
	cl := created.Client
	now := f.now.Truncate(time.Microsecond)
	if !cl.IssuedAt.Equal(now) || !cl.UpdatedAt.Equal(now) || !cl.Provenance.RegisteredAt.Equal(now) || !cl.SecretExpiresAt.IsZero() {
		t.Fatalf("issued %v, updated %v, registered %v, secret expires %v; want %v and a secret that never expires",
			cl.IssuedAt, cl.UpdatedAt, cl.Provenance.RegisteredAt, cl.SecretExpiresAt, now)
	}
	want, _ := secret.TimeOrderedID(now, zeros{})
	if cl.ID[:9] != want[:9] {
		t.Errorf("id %s does not start with the clock's time (%s…)", cl.ID, want[:9])
	}
	if created.Secret == "" || !f.svc.Hasher.Verify(secret.PurposeClientSecret, created.Secret, cl.SecretHash) {
		t.Fatal("the secret does not match its stored hash")
	}
	stored, err := f.svc.Client(f.ctx, workspace.DefaultName, cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.IssuedAt.Equal(now) || stored.Provenance.Origin != client.OriginCLI || string(stored.SecretHash) != string(cl.SecretHash) {
		t.Fatalf("stored %+v", stored)
	}
	md := stored.Metadata
	if md.ApplicationType != "" || md.SubjectType != "" || len(md.ResponseTypes) != 1 || md.ResponseTypes[0] != client.ResponseTypeCode {
		t.Fatalf("stored metadata %+v; want it as given, with response type code", md)
	}

	f.now = f.now.Add(time.Hour)
	public := codeClient("https://app.example/cb")
	public.TokenEndpointAuthMethod = client.AuthNone
	created, err = f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: public, Origin: client.OriginCLI})
	if err != nil || created.Secret != "" || created.Client.SecretHash != nil || !created.Client.IssuedAt.Equal(f.now.Truncate(time.Microsecond)) {
		t.Fatalf("public client: %+v, %v; want no secret, issued an hour later", created, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestCheckClientMetadataLeavesScopesToTheWorkspace: before a store is
// open the scopes cannot be checked, the rest can.
func TestCheckClientMetadataLeavesScopesToTheWorkspace(t *testing.T) {
	if err := CheckClientMetadata(clientCredentials("anything at-all")); err != nil {
		t.Fatal(err)
	}
	if err := CheckClientMetadata(codeClient()); err == nil {
		t.Fatal("a code-grant client without redirect URIs passed")
	}
}

func TestClientGetListDelete(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	created, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: clientCredentials("profile"), Origin: client.OriginCLI})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Client.ID
	if list, err := f.svc.Clients(f.ctx, workspace.DefaultName); err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("Clients: %v, %v", list, err)
	}
	if err := f.svc.DeleteClient(f.ctx, workspace.DefaultName, id); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Client(f.ctx, workspace.DefaultName, id)
	wantKind(t, "Client after delete", err, ErrNotFound)
	wantKind(t, "DeleteClient twice", f.svc.DeleteClient(f.ctx, workspace.DefaultName, id), ErrNotFound)
	if err == nil || err.Error() != `no client "`+id+`" in workspace default` {
		t.Errorf("message: %v", err)
	}
}

// TestReissueRegistrationToken: a DCR client gets a new token; a client
// an operator made has none to replace, a conflict.
func TestReissueRegistrationToken(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	f.svc.Registration = &registration.Service{Store: f.st, Hasher: f.svc.Hasher, BaseURL: "https://as.example"}
	now := f.now.Truncate(time.Microsecond)
	dcr := client.Client{Workspace: workspace.DefaultName, ID: "dcr-client", IssuedAt: now, UpdatedAt: now, Version: 1,
		Metadata: clientCredentials(""), Provenance: client.Provenance{Origin: client.OriginDCR, RegisteredAt: now}}
	if err := f.st.CreateClient(f.ctx, dcr); err != nil {
		t.Fatal(err)
	}
	var got ReissuedToken
	events := auditedBy(t, f, func() {
		var err error
		if got, err = f.svc.ReissueRegistrationToken(f.ctx, workspace.DefaultName, "dcr-client"); err != nil {
			t.Fatal(err)
		}
	})
	if len(events) != 1 || events[0].Action != "reissue" || events[0].Credential != "operator" {
		t.Errorf("the CLI's reissue audited as %+v; want one reissue by operator", events)
	}
	ttl := workspace.DefaultSettings().Registration.RegistrationTokenTTL
	if got.Token == "" || got.ExpiresIn != ttl || got.ClientURI != "https://as.example/default/oauth2/register/dcr-client" || got.ClientID != "dcr-client" {
		t.Fatalf("reissued %+v", got)
	}
	stored, _ := f.st.ClientByID(f.ctx, workspace.DefaultName, "dcr-client")
	if !f.svc.Hasher.Verify(secret.PurposeRegistrationToken, got.Token, stored.RegistrationTokenHash) {
		t.Fatal("the new token is not the stored one")
	}
	admin := WithAdmin(f.ctx, Admin{TokenID: "t1", Name: "ops", RemoteAddr: "192.0.2.1"})
	events = auditedBy(t, f, func() {
		if _, err := f.svc.ReissueRegistrationToken(admin, workspace.DefaultName, "dcr-client"); err != nil {
			t.Fatal(err)
		}
	})
	if len(events) != 1 || events[0].Action != ActionClientReissueToken || events[0].Credential != "admin:ops#t1" || events[0].ClientID != "dcr-client" {
		t.Errorf("an admin's reissue audited as %+v; want one %s by admin:ops#t1", events, ActionClientReissueToken)
	}

	operator, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: clientCredentials(""), Origin: client.OriginCLI})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ReissueRegistrationToken(f.ctx, workspace.DefaultName, operator.Client.ID)
	wantKind(t, "operator-made client", err, ErrConflict)
	_, err = f.svc.ReissueRegistrationToken(f.ctx, workspace.DefaultName, "absent")
	wantKind(t, "absent client", err, ErrNotFound)
}

// auditedBy runs change and returns the audit events it added to the
// default workspace.
func auditedBy(t *testing.T, f *fixture, change func()) []AuditEvent {
	t.Helper()
	list := func() []AuditEvent {
		page, err := f.svc.ListAuditEvents(f.ctx, workspace.DefaultName, AuditQuery{Limit: MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	seen := map[string]bool{}
	for _, e := range list() {
		seen[e.ID] = true
	}
	change()
	var added []AuditEvent
	for _, e := range list() {
		if !seen[e.ID] {
			added = append(added, e)
		}
	}
	return added
}

// TestBootstrap: the first start gets the client with the registration
// scope, once; a workspace whose registration scope is none of its scopes
// gets none (the client could do nothing), and the claim waits.
func TestBootstrap(t *testing.T) {
	settings := workspace.DefaultSettings()
	settings.Registration.Enabled = false
	settings.Scopes = []string{"openid"}
	f := newFixture(t, settings)
	if boot, err := f.svc.Bootstrap(f.ctx); err != nil || boot != nil {
		t.Fatalf("bootstrap with a registration scope the workspace lacks: %+v, %v", boot, err)
	}
	if err := f.st.UpdateWorkspaceSettings(f.ctx, workspace.DefaultName, workspace.DefaultSettings(), f.now); err != nil {
		t.Fatal(err)
	}
	boot, err := f.svc.Bootstrap(f.ctx)
	if err != nil || boot == nil {
		t.Fatalf("first bootstrap: %+v, %v", boot, err)
	}
	if boot.Secret == "" || boot.Client.Metadata.Scope != "dcr" || boot.Client.Provenance.Origin != client.OriginCLI {
		t.Fatalf("bootstrap client %+v", boot)
	}
	if again, err := f.svc.Bootstrap(f.ctx); err != nil || again != nil {
		t.Fatalf("second bootstrap: %+v, %v", again, err)
	}
	if n, _ := f.st.CountClients(f.ctx, workspace.DefaultName); n != 1 {
		t.Fatalf("%d clients", n)
	}
}

// TestSoftwareIDOutlivesAnUpdate: a client whose software statement gave
// a software_id keeps it in the list's filter and the view after an
// update that leaves the member out.
func TestSoftwareIDOutlivesAnUpdate(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	now := f.now.Truncate(time.Microsecond)
	md := clientCredentials("")
	md.SoftwareID = "acme-app"
	c := client.Client{Workspace: workspace.DefaultName, ID: "stated", IssuedAt: now, UpdatedAt: now, Version: 1, Metadata: md,
		Provenance: client.Provenance{Origin: client.OriginDCR, RegisteredAt: now, SoftwareID: "acme-app"}}
	if err := f.st.CreateClient(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	updated, err := f.svc.UpdateClient(f.ctx, workspace.DefaultName, "stated", clientCredentials(""))
	if err != nil {
		t.Fatal(err)
	}
	if got := ClientView(updated.Client)["software_id"]; got != "acme-app" {
		t.Errorf("view software_id = %v", got)
	}
	page, err := f.svc.ListClients(f.ctx, workspace.DefaultName, ClientQuery{SoftwareID: "acme-app"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("filter by the statement's software_id: %d, %v", len(page.Items), err)
	}
}
