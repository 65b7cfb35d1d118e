package registration

import (
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestRegistrationNodesApartNameTheirURLs: with the registration endpoints
// reached apart from the issuer (registration_endpoint), a signed body's
// aud may name the endpoint there, the client URI is made there, and the
// issuer stays an audience.
func TestRegistrationNodesApartNameTheirURLs(t *testing.T) {
	s := newSignedSetup(t, workspace.Required)
	s.f.svc.EndpointBaseURL = "https://dcr.example.test"
	for i, aud := range []string{"https://dcr.example.test/" + s.f.ws.Name + "/oauth2/register", s.issuer} {
		body := s.sw.sign(t, s.claims(t, "jti-"+string(rune('a'+i)), map[string]any{"aud": aud}), nil)
		resp, err := s.register(body, true)
		if err != nil {
			t.Fatalf("aud %v: %v", aud, err)
		}
		uri, _ := resp["registration_client_uri"].(string)
		if !strings.HasPrefix(uri, "https://dcr.example.test/"+s.f.ws.Name+"/oauth2/register/") {
			t.Errorf("registration_client_uri %q is not under the registration nodes' URL", uri)
		}
	}
}
