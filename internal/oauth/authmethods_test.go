package oauth

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// assertionStub stands in for an assertion-based authenticator
// (private_key_jwt) added to the table.
type assertionStub struct{ publicClient }

func (assertionStub) takesAssertions() {}

// withAuthenticator puts a in the table for method, for one test; nil
// takes method out.
func withAuthenticator(t *testing.T, method string, a authenticator) {
	t.Helper()
	prev, had := authenticators[method]
	if a == nil {
		delete(authenticators, method)
	} else {
		authenticators[method] = a
	}
	t.Cleanup(func() {
		if had {
			authenticators[method] = prev
		} else {
			delete(authenticators, method)
		}
	})
}

// TestDiscoveryOffersTheTable: the methods discovery advertises are the
// authenticators' table, so a method added there is offered at once
// where the workspace allows it.
func TestDiscoveryOffersTheTable(t *testing.T) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.Settings{Scopes: []string{"openid"}}}
	ws.Settings.Registration.AuthMethods = []string{client.AuthPrivateKeyJWT, client.AuthNone}
	withAuthenticator(t, client.AuthPrivateKeyJWT, nil)
	withAuthenticator(t, client.AuthClientSecretJWT, nil)
	withAuthenticator(t, client.AuthPrivateKeyJWT, assertionStub{})
	s := &Service{BaseURL: "http://x"}
	m := s.Discovery(ws)
	for name, got := range map[string][]string{
		"token": m.TokenEndpointAuthMethodsSupported, "introspection": m.IntrospectionEndpointAuthMethodsSupported,
		"revocation": m.RevocationEndpointAuthMethodsSupported,
	} {
		if !slices.Contains(got, client.AuthPrivateKeyJWT) || slices.Contains(got, client.AuthNone) {
			t.Errorf("%s endpoint offers %v: want the table's methods, none only with the browser flow", name, got)
		}
	}
	s.Flow = &Flow{}
	if got := s.Discovery(ws).TokenEndpointAuthMethodsSupported; !slices.Contains(got, client.AuthNone) {
		t.Errorf("with the browser flow the token endpoint offers %v: want none too", got)
	}
}

// TestAssertionsWaitForAnAuthenticator: a client assertion is refused up
// front only while no authenticator takes one.
func TestAssertionsWaitForAnAuthenticator(t *testing.T) {
	read := func() error {
		body := url.Values{"client_id": {"c"}, "client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"sub":"c"}`)}}
		r := httptest.NewRequest("POST", "/w/oauth2/token", strings.NewReader(body.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		form, err := httpapi.ParseForm(httptest.NewRecorder(), r)
		if err != nil {
			t.Fatal(err)
		}
		_, err = readClientEvidence(r, form)
		return err
	}
	withAuthenticator(t, client.AuthPrivateKeyJWT, nil)
	withAuthenticator(t, client.AuthClientSecretJWT, nil)
	if err := read(); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("no assertion authenticator: err = %v, want the refusal", err)
	}
	withAuthenticator(t, client.AuthPrivateKeyJWT, assertionStub{})
	if err := read(); err != nil {
		t.Fatalf("with an assertion authenticator: err = %v, want the evidence read", err)
	}
}

// TestDiscoveryOffersTheWorkspaceMethods: discovery lists exactly the
// methods the workspace lets its clients register, with the assertion
// algs only of the JWT methods among them; an Open Banking UK workspace
// names its profile's registration endpoint.
func TestDiscoveryOffersTheWorkspaceMethods(t *testing.T) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	ws.Settings.Registration.AuthMethods = []string{client.AuthClientSecretBasic}
	s := &Service{BaseURL: "http://x", Flow: &Flow{}}
	m := s.Discovery(ws)
	for name, got := range map[string][]string{
		"token": m.TokenEndpointAuthMethodsSupported, "introspection": m.IntrospectionEndpointAuthMethodsSupported,
		"revocation": m.RevocationEndpointAuthMethodsSupported,
	} {
		if !slices.Equal(got, []string{client.AuthClientSecretBasic}) {
			t.Errorf("%s endpoint offers %v; want the workspace's [client_secret_basic]", name, got)
		}
	}
	if m.TokenEndpointAuthSigningAlgValuesSupported != nil {
		t.Errorf("no JWT method allowed, yet assertion algs %v are offered", m.TokenEndpointAuthSigningAlgValuesSupported)
	}
	if m.RegistrationEndpoint != "http://x/w/oauth2/register" {
		t.Errorf("registration_endpoint %q", m.RegistrationEndpoint)
	}
	ob := workspace.Workspace{Name: "bank", Settings: workspace.DefaultSettingsFor(workspace.ProfileOpenBankingUK)}
	m = s.Discovery(ob)
	for _, method := range m.TokenEndpointAuthMethodsSupported {
		if !slices.Contains(ob.Settings.Registration.AuthMethods, method) {
			t.Errorf("openbanking_uk discovery offers %q, which the workspace does not allow (%v)", method, m.TokenEndpointAuthMethodsSupported)
		}
	}
	if m.RegistrationEndpoint != "http://x/bank/openbankinguk/dcr/v3.2/register" {
		t.Errorf("openbanking_uk registration_endpoint %q", m.RegistrationEndpoint)
	}
}
