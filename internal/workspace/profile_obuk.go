package workspace

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Open Banking UK's software roles and the scopes they grant by default
// (Read/Write API Specification: accounts for account information,
// payments for payment initiation, fundsconfirmations for card-based
// instrument issuers).
var defaultRoleScopes = map[string][]string{
	"AISP":  {"accounts"},
	"PISP":  {"payments"},
	"CBPII": {"fundsconfirmations"},
}

// openBankingUKAuthMethods are the token endpoint auth methods the
// profile admits: mutual TLS and private_key_jwt, and a client secret
// only where the workspace lists it.
var openBankingUKAuthMethods = []string{"tls_client_auth", "private_key_jwt", "client_secret_basic"}

// openBankingUKSignedRequestAlgs are the algs a registration body may be
// signed with under the profile: PS256, and ES256 where the workspace
// lists it.
var openBankingUKSignedRequestAlgs = []string{"PS256", "ES256"}

// openBankingUKDefaults gives s the Open Banking UK DCR profile's defaults:
// registration by a directory's software statement in a PS256-signed body
// (sent over mutual TLS, which registration checks), clients that
// authenticate with mutual TLS or private_key_jwt, the code flow only, and
// the scopes the directory roles grant.
func openBankingUKDefaults(s *Settings) {
	s.Registration.Mode = ModeSoftwareStatement
	s.Registration.SoftwareStatement.Mode = Required
	s.Registration.SignedRequest = Required
	s.Registration.SignedRequestAlgs = []string{"PS256"}
	s.Registration.AuthMethods = []string{"tls_client_auth", "private_key_jwt"}
	s.Registration.ResponseTypes = []string{"code"}
	s.Registration.GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
	s.Scopes = []string{"openid", "accounts", "payments", "fundsconfirmations"}
	s.ClientAuth.SigningAlgs = []string{"PS256", "ES256"}
}

// RoleScopeMap is registration.role_scopes; a workspace of the Open
// Banking UK profile that sets none has the directory roles' defaults.
// Left out of the profile's defaults so that a YAML role_scopes replaces
// the whole map rather than adding to it.
func (s Settings) RoleScopeMap() map[string][]string {
	if len(s.Registration.RoleScopes) == 0 && s.IsProfile(ProfileOpenBankingUK) {
		return defaultRoleScopes
	}
	return s.Registration.RoleScopes
}

// validateOpenBankingUK refuses settings the Open Banking UK profile
// forbids: a registration without a statement or a signed body, signing
// algs other than PS256 and ES256, auth methods other than mutual TLS,
// private_key_jwt and client_secret_basic, and response types other than
// code (the hybrid code id_token is not implemented).
func (s Settings) validateOpenBankingUK() []SettingError {
	var errs []SettingError
	r := s.Registration
	if r.StatementMode() != Required {
		errs = append(errs, invalid("registration.software_statement.mode", "profile openbanking_uk registers only software with a directory's statement: must be required"))
	}
	if r.SignedRequestMode() != Required {
		errs = append(errs, invalid("registration.signed_request", "profile openbanking_uk takes only signed registration requests: must be required"))
	}
	for i, alg := range r.SignedRequestAlgorithms() {
		if !slices.Contains(openBankingUKSignedRequestAlgs, alg) {
			errs = append(errs, invalidItem("registration.signed_request_algs", i, "profile openbanking_uk allows %s only, not %q", strings.Join(openBankingUKSignedRequestAlgs, ", "), alg))
		}
	}
	for i, m := range r.AuthMethods {
		if !slices.Contains(openBankingUKAuthMethods, m) {
			errs = append(errs, invalidItem("registration.auth_methods", i, "profile openbanking_uk allows %s only, not %q", strings.Join(openBankingUKAuthMethods, ", "), m))
		}
	}
	for i, rt := range r.ResponseTypes {
		if rt != "code" {
			errs = append(errs, invalidItem("registration.response_types", i, "profile openbanking_uk allows code only, not %q (the hybrid code id_token is not implemented)", rt))
		}
	}
	return append(errs, s.validateRoleScopes(s.RoleScopeMap())...)
}

// validateRoleScopes: every scope a role grants is a workspace scope, or
// no client could ever be granted it.
func (s Settings) validateRoleScopes(roles map[string][]string) []SettingError {
	var errs []SettingError
	for _, role := range slices.Sorted(maps.Keys(roles)) {
		key := fmt.Sprintf("registration.role_scopes.%s", role)
		if strings.TrimSpace(role) == "" {
			errs = append(errs, invalid("registration.role_scopes", "a role must have a name"))
		}
		for i, sc := range roles[role] {
			if !slices.Contains(s.Scopes, sc) {
				errs = append(errs, invalidItem(key, i, "%q is not among the workspace scopes", sc))
			}
		}
	}
	return errs
}
