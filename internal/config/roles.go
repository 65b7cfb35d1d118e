package config

import (
	"fmt"
	"slices"
	"strings"
)

// The roles a node can serve (`roles`), so that a deployment can put the
// registration API on hosts of its own over the one store. Discovery,
// JWKS, /healthz, /readyz and /metrics are served by every node.
const (
	// RoleToken is the OAuth 2.0 / OIDC endpoints: authorize, token,
	// introspect, revoke, userinfo, PAR and the sign-in pages.
	RoleToken = "token"
	// RoleRegistration is RFC 7591 / RFC 7592, Open Banking UK's
	// registration endpoints included.
	RoleRegistration = "registration"
	// RoleAdmin is reserved for an administration API over HTTP; there is
	// none yet (administration is the CLI, on the store).
	RoleAdmin = "admin"
)

// AllRoles is what a node serves unless `roles` says otherwise.
var AllRoles = []string{RoleToken, RoleRegistration, RoleAdmin}

// setRoles reads a comma-separated list (flag or environment).
func setRoles(c *Config, v string) { c.Roles = strings.Split(v, ",") }

// HasRole reports whether the node serves role.
func (c Config) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

// parseRoles: every entry a known role, and at least one, since a node
// serving none of them would only answer discovery. Blank entries
// (",," or a trailing comma) are skipped, spaces around a name too.
func (c Config) parseRoles() ([]string, []error) {
	var roles []string
	var errs []error
	for i, r := range c.Roles {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
		case slices.Contains(AllRoles, r):
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		default:
			path := fmt.Sprintf("roles[%d]", i)
			errs = append(errs, c.problem("roles", path, fmt.Errorf("%q is not a role: use %s", r, strings.Join(AllRoles, ", "))))
		}
	}
	if len(roles) == 0 && len(errs) == 0 {
		errs = append(errs, c.errorf("roles", "no role given: list one or more of %s (all of them unless set)", strings.Join(AllRoles, ", ")))
	}
	return roles, errs
}

// validateRegistrationEndpoint checks `registration_endpoint`, the base URL
// of the nodes that serve the registration role, when it is set: it is
// named in discovery and registration_client_uri as base_url would be.
func (c Config) validateRegistrationEndpoint() []error {
	if c.RegistrationEndpoint == "" {
		return nil
	}
	if err := validateBaseURL(c.RegistrationEndpoint); err != nil {
		return []error{c.problem("registration_endpoint", "registration_endpoint", err)}
	}
	return nil
}

// RegistrationBaseURL is where the registration endpoints are reached:
// registration_endpoint when set, else base_url. A workspace's endpoint is
// {RegistrationBaseURL}/{workspace}/oauth2/register.
func (c Config) RegistrationBaseURL() string {
	if c.RegistrationEndpoint != "" {
		return c.RegistrationEndpoint
	}
	return c.BaseURL
}
