package registration

import (
	"context"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// newFAPI2Fixture is a fixture whose workspace follows FAPI 2.0, open for
// registration so each case tests the profile's rules alone.
func newFAPI2Fixture(tb testing.TB) *fixture {
	tb.Helper()
	f := newFixture(tb)
	f.ws.Settings = workspace.DefaultSettingsFor(workspace.ProfileFAPI2)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	if errs := f.ws.Settings.Validate(); len(errs) > 0 {
		tb.Fatal(errs)
	}
	return f
}

// fapi2Body is a private_key_jwt client with its keys, merged with extra
// members ("" for none).
func fapi2Body(tb testing.TB, extra string) string {
	tb.Helper()
	body := `{"client_name":"Bank app","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":` + ecJWKS(tb, false)
	if extra != "" {
		body += "," + extra
	}
	return body + "}"
}

func TestFAPI2RegistrationRefusesWhatTheProfileForbids(t *testing.T) {
	for _, tc := range []struct {
		name, body, code, names string
	}{
		{"client secret", `{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, oautherr.InvalidClientMetadata, "client_secret_basic"},
		{"the default method, a client secret", `{"redirect_uris":["https://app.example/cb"]}`, oautherr.InvalidClientMetadata, "token_endpoint_auth_method"},
		{"public client", `{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}`, oautherr.InvalidClientMetadata, "none"},
		{"client_secret_jwt", `{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_jwt"}`, oautherr.InvalidClientMetadata, "client_secret_jwt"},
		{"RS256 assertions", fapi2Body(t, `"token_endpoint_auth_signing_alg":"RS256"`), oautherr.InvalidClientMetadata, "token_endpoint_auth_signing_alg"},
		{"RS256 request objects", fapi2Body(t, `"request_object_signing_alg":"RS256"`), oautherr.InvalidClientMetadata, "request_object_signing_alg"},
		{"unsigned request objects", fapi2Body(t, `"request_object_signing_alg":"none"`), oautherr.InvalidClientMetadata, "request_object_signing_alg"},
		{"RS256 ID tokens", fapi2Body(t, `"id_token_signed_response_alg":"RS256"`), oautherr.InvalidClientMetadata, "id_token_signed_response_alg"},
		{"implicit", fapi2Body(t, `"response_types":["code","token"]`), oautherr.InvalidClientMetadata, "response_types"},
		{"http loopback redirect", `{"application_type":"native","redirect_uris":["http://127.0.0.1:8080/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":` + ecJWKS(t, false) + `}`, oautherr.InvalidRedirectURI, "https"},
		{"private-use scheme", `{"application_type":"native","redirect_uris":["com.example.app:/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":` + ecJWKS(t, false) + `}`, oautherr.InvalidRedirectURI, "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFAPI2Fixture(t)
			_, err := f.svc.Register(context.Background(), f.ws, Request{Body: []byte(tc.body)})
			if oe := wantCode(t, err, tc.code); !strings.Contains(oe.Description, tc.names) {
				t.Errorf("description %q does not name %q", oe.Description, tc.names)
			}
			if n := f.clients(t); n != 0 {
				t.Errorf("%d clients stored", n)
			}
		})
	}
}

func TestFAPI2RegistrationDefaultsToFAPIAlgs(t *testing.T) {
	f := newFAPI2Fixture(t)
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: []byte(fapi2Body(t, `"token_endpoint_auth_signing_alg":"ES256"`))})
	if err != nil {
		t.Fatal(err)
	}
	if alg := resp["id_token_signed_response_alg"]; alg == "RS256" || alg == "" || alg == nil {
		t.Errorf("id_token_signed_response_alg %v; want a FAPI alg chosen for the client", alg)
	}
	if resp["tls_client_certificate_bound_access_tokens"] != true {
		t.Errorf("tls_client_certificate_bound_access_tokens %v; want true, FAPI 2.0's sender-constrained tokens", resp["tls_client_certificate_bound_access_tokens"])
	}
	if _, ok := resp["client_secret"]; ok {
		t.Error("a private_key_jwt client got a secret")
	}
}

// The same metadata outside the profile is accepted: the narrowing is
// the profile's.
func TestRS256IsAcceptedOutsideFAPI2(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	if _, err := f.svc.Register(context.Background(), f.ws, Request{Body: []byte(fapi2Body(t, `"id_token_signed_response_alg":"RS256"`))}); err != nil {
		t.Fatal(err)
	}
}
