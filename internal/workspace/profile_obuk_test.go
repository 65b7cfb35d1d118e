package workspace

import (
	"slices"
	"testing"
)

// obukSettings are an Open Banking UK workspace's defaults with one
// trusted directory, which the profile cannot default.
func obukSettings() Settings {
	s := DefaultSettingsFor(ProfileOpenBankingUK)
	s.Registration.SoftwareStatement.Issuers = []TrustedIssuer{{Issuer: "OpenBanking Ltd", JWKSURI: "https://keystore.example/ob.jwks"}}
	return s
}

func TestOpenBankingUKDefaultsAreValid(t *testing.T) {
	s := obukSettings()
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("the profile's defaults: %v", errs)
	}
	if got := s.RoleScopeMap()["AISP"]; !slices.Equal(got, []string{"accounts"}) {
		t.Errorf("AISP grants %v by default", got)
	}
	if got := s.Registration.SignedRequestAlgorithms(); !slices.Equal(got, []string{"PS256"}) {
		t.Errorf("signed request algs %v by default", got)
	}
	if DefaultSettings().RoleScopeMap() != nil {
		t.Error("a workspace of no profile maps roles by default")
	}
}

// TestOpenBankingUKForbids: each setting the profile forbids is refused,
// naming its key.
func TestOpenBankingUKForbids(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Settings)
		key  string
	}{
		{"statement optional", func(s *Settings) { s.Registration.SoftwareStatement.Mode = Optional }, "registration.software_statement.mode"},
		{"unsigned requests", func(s *Settings) { s.Registration.SignedRequest = Optional }, "registration.signed_request"},
		{"RS256 bodies", func(s *Settings) { s.Registration.SignedRequestAlgs = []string{"PS256", "RS256"} }, "registration.signed_request_algs"},
		{"client_secret_post", func(s *Settings) { s.Registration.AuthMethods = []string{"private_key_jwt", "client_secret_post"} }, "registration.auth_methods"},
		{"the hybrid flow", func(s *Settings) { s.Registration.ResponseTypes = []string{"code", "code id_token"} }, "registration.response_types"},
		{"a role scope the workspace lacks", func(s *Settings) { s.Registration.RoleScopes = map[string][]string{"AISP": {"accounts", "loans"}} }, "registration.role_scopes.AISP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := obukSettings()
			tc.edit(&s)
			var keys []string
			for _, err := range s.Validate() {
				keys = append(keys, err.Key)
			}
			if !slices.Contains(keys, tc.key) {
				t.Errorf("errors on %v; want one on %s", keys, tc.key)
			}
		})
	}
	// ES256 where the workspace says, and client_secret_basic where it
	// lists it, are the profile's to allow.
	s := obukSettings()
	s.Registration.SignedRequestAlgs = []string{"PS256", "ES256"}
	s.Registration.AuthMethods = append(s.Registration.AuthMethods, "client_secret_basic")
	if errs := s.Validate(); len(errs) > 0 {
		t.Errorf("ES256 and client_secret_basic: %v", errs)
	}
	// Role scopes are checked in every workspace.
	plain := DefaultSettings()
	plain.Registration.RoleScopes = map[string][]string{"AISP": {"accounts"}}
	if errs := plain.Validate(); len(errs) != 1 || errs[0].Key != "registration.role_scopes.AISP" {
		t.Errorf("a role scope the workspace lacks: %v", errs)
	}
}
