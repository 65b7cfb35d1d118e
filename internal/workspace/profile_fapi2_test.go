package workspace

import (
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
)

func TestFAPI2DefaultsAreValid(t *testing.T) {
	s := DefaultSettingsFor(ProfileFAPI2)
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("the fapi2 defaults are refused: %v", errs)
	}
	if !s.RequirePushedAuthorizationRequests || !s.RequirePKCE || s.AllowPlainPKCE {
		t.Errorf("PAR %v, PKCE %v, plain %v; want PAR and S256 PKCE required", s.RequirePushedAuthorizationRequests, s.RequirePKCE, s.AllowPlainPKCE)
	}
	if !slices.Equal(s.Registration.AuthMethods, FAPI2AuthMethods) || !slices.Equal(s.ClientAuth.SigningAlgs, FAPI2Algs) {
		t.Errorf("auth methods %v, algs %v; want FAPI 2.0's", s.Registration.AuthMethods, s.ClientAuth.SigningAlgs)
	}
	if s.AccessTokenTTL > 600 {
		t.Errorf("access_token_ttl %d; want at most ten minutes", s.AccessTokenTTL)
	}
}

// Each setting a FAPI 2.0 workspace could be loosened by is refused by
// name, and only that one.
func TestFAPI2RefusesWeakerSettings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		loosen func(*Settings)
		path   string
	}{
		{"PAR optional", func(s *Settings) { s.RequirePushedAuthorizationRequests = false }, "require_pushed_authorization_requests"},
		{"PKCE optional", func(s *Settings) { s.RequirePKCE = false }, "require_pkce"},
		{"plain PKCE", func(s *Settings) { s.AllowPlainPKCE = true }, "allow_plain_pkce"},
		{"unsigned request objects", func(s *Settings) { s.RequestObjects.AllowUnsigned = true }, "request_objects.allow_unsigned"},
		{"RS256 access tokens", func(s *Settings) { s.AccessTokenAlg = "RS256" }, "access_token_alg"},
		{"RS256 assertions", func(s *Settings) { s.ClientAuth.SigningAlgs = []string{"PS256", "RS256"} }, "client_auth.signing_algs[1]"},
		{"client secrets", func(s *Settings) {
			s.Registration.AuthMethods = []string{client.AuthPrivateKeyJWT, client.AuthClientSecretBasic}
		}, "registration.auth_methods[1]"},
		{"public clients", func(s *Settings) { s.Registration.AuthMethods = []string{client.AuthNone} }, "registration.auth_methods[0]"},
		{"implicit", func(s *Settings) { s.Registration.ResponseTypes = []string{"code", "token"} }, "registration.response_types[1]"},
		{"password grant", func(s *Settings) { s.Registration.GrantTypes = []string{"password"} }, "registration.grant_types[0]"},
		{"any redirect scheme", func(s *Settings) { s.Registration.RedirectSchemes = nil }, "registration.redirect_schemes"},
		{"http redirects", func(s *Settings) { s.Registration.RedirectSchemes = []string{"https", "http"} }, "registration.redirect_schemes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettingsFor(ProfileFAPI2)
			tc.loosen(&s)
			errs := s.Validate()
			if len(errs) != 1 || errs[0].Path() != tc.path || !strings.Contains(errs[0].Error(), "fapi2") {
				t.Fatalf("got %v; want one error at %s naming the profile", errs, tc.path)
			}
		})
	}
}

// Without the profile the same settings stand: the rules are the
// profile's, not every workspace's.
func TestFAPI2RulesApplyOnlyToItsWorkspaces(t *testing.T) {
	s := DefaultSettings()
	s.RequirePKCE, s.AllowPlainPKCE, s.AccessTokenAlg = false, true, "RS256"
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("a workspace without a profile: %v", errs)
	}
	if !slices.Equal(s.IDTokenSigningAlgs(), SigningAlgs) {
		t.Errorf("IDTokenSigningAlgs() = %v, want every alg with a key", s.IDTokenSigningAlgs())
	}
	if why := s.ProfileRefusesClient(client.Metadata{TokenEndpointAuthMethod: client.AuthNone}); why != "" {
		t.Errorf("a public client refused outside a profile: %s", why)
	}
}

func TestFAPI2IDTokenAlgsAndClients(t *testing.T) {
	s := DefaultSettingsFor(ProfileFAPI2)
	if got := s.IDTokenSigningAlgs(); slices.Contains(got, "RS256") || len(got) == 0 {
		t.Errorf("IDTokenSigningAlgs() = %v; want FAPI algs only", got)
	}
	for _, tc := range []struct {
		method  string
		refused bool
	}{
		{client.AuthClientSecretBasic, true}, {client.AuthNone, true}, {client.AuthClientSecretJWT, true},
		{client.AuthPrivateKeyJWT, false}, {client.AuthTLSClientAuth, false}, {client.AuthSelfSignedTLSClientAuth, false},
	} {
		md := client.Metadata{TokenEndpointAuthMethod: tc.method, TLSClientCertificateBoundAccessToken: true}
		if why := s.ProfileRefusesClient(md); (why != "") != tc.refused {
			t.Errorf("%s: refused %q, want refused %v", tc.method, why, tc.refused)
		}
	}
	// Stored before the profile, without certificate-bound tokens.
	unbound := client.Metadata{TokenEndpointAuthMethod: client.AuthPrivateKeyJWT}
	if why := s.ProfileRefusesClient(unbound); !strings.Contains(why, "tls_client_certificate_bound_access_tokens") {
		t.Errorf("a client of unbound tokens: %q; want it refused by the member to register", why)
	}
	if p := s.HoldToProfile(client.Policy{}); !p.BoundAccessTokens || p.AllowUnsignedRequestObjects {
		t.Errorf("policy %+v; want bound tokens, signed request objects", p)
	}
}
