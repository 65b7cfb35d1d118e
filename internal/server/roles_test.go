package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/registrar-dev/registrar/internal/config"
)

// TestRolesServeTheirRoutesOnly: a node answers the endpoints of its
// roles; those of the others are unknown paths (404 not_found), clean or
// not, while discovery, JWKS and the health checks answer on every node.
func TestRolesServeTheirRoutesOnly(t *testing.T) {
	tokenOnly := []struct{ method, path string }{
		{"POST", "/default/oauth2/token"}, {"POST", "/default/oauth2/introspect"}, {"POST", "/default/oauth2/revoke"},
		{"GET", "/default/oauth2/authorize"}, {"GET", "/default/oauth2/userinfo"}, {"POST", "/default/oauth2/par"},
		{"POST", "/default/login"}, {"POST", "/default/consent"}, {"GET", "/default/oauth2/logout"},
	}
	registrationOnly := []struct{ method, path string }{
		{"POST", "/default/oauth2/register"}, {"GET", "/default/oauth2/register/abc"},
		{"OPTIONS", "/default/oauth2/register"}, {"DELETE", "/default/oauth2/register//abc"},
		{"POST", "/default/openbankinguk/dcr/v3.2/register"}, {"PUT", "/default/openbankinguk/dcr/v3.3/register/abc"},
	}
	everyNode := []string{"/default/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/default",
		"/default/.well-known/jwks.json", "/healthz", "/readyz"}
	for _, tc := range []struct {
		roles          []string
		token, regular bool
	}{
		{[]string{config.RoleToken}, true, false},
		{[]string{config.RoleRegistration}, false, true},
		{[]string{config.RoleAdmin}, false, false},
		{config.AllRoles, true, true},
	} {
		srv, _ := provisionedServerWith(t, func(c *config.Config) { c.Roles = tc.roles })
		// The Open Banking UK endpoints answer a 404 of their own in a
		// workspace of another profile: the unknown path's is told apart by
		// its description.
		check := func(method, path string, served bool) {
			rec := serve(srv, method, path)
			var body map[string]string
			json.Unmarshal(rec.Body.Bytes(), &body)
			if unknown := rec.Code == http.StatusNotFound && body["error"] == "not_found" && body["error_description"] == "no such endpoint"; unknown == served {
				t.Errorf("roles %v: %s %s = %d %s; served: %v", tc.roles, method, path, rec.Code, rec.Body, served)
			}
		}
		for _, rt := range tokenOnly {
			check(rt.method, rt.path, tc.token)
		}
		for _, rt := range registrationOnly {
			check(rt.method, rt.path, tc.regular)
		}
		for _, p := range everyNode {
			if rec := serve(srv, "GET", p); rec.Code != http.StatusOK {
				t.Errorf("roles %v: GET %s = %d %s, want 200", tc.roles, p, rec.Code, rec.Body)
			}
		}
	}
}

// TestDiscoveryNamesTheRegistrationNodes: discovery names the
// registration endpoint under registration_endpoint when it is set,
// whatever this node's roles; without it, only a node serving
// registration names one, under the issuer.
func TestDiscoveryNamesTheRegistrationNodes(t *testing.T) {
	for _, tc := range []struct {
		roles    []string
		endpoint string
		want     string
	}{
		{config.AllRoles, "", "http://127.0.0.1:8080/default/oauth2/register"},
		{[]string{config.RoleRegistration}, "", "http://127.0.0.1:8080/default/oauth2/register"},
		{[]string{config.RoleToken}, "", ""},
		{[]string{config.RoleToken}, "https://dcr.example.com", "https://dcr.example.com/default/oauth2/register"},
		{[]string{config.RoleRegistration}, "https://dcr.example.com", "https://dcr.example.com/default/oauth2/register"},
	} {
		srv, _ := provisionedServerWith(t, func(c *config.Config) {
			c.Roles, c.RegistrationEndpoint, c.BaseURL = tc.roles, tc.endpoint, "http://127.0.0.1:8080"
		})
		rec := serve(srv, "GET", "/default/.well-known/openid-configuration")
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		got, named := m["registration_endpoint"]
		if tc.want == "" && named || tc.want != "" && got != tc.want {
			t.Errorf("roles %v, registration_endpoint %q: discovery names %v, want %q", tc.roles, tc.endpoint, got, tc.want)
		}
	}
}
