package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRoles: every role unless set; a list from a flag, the environment
// or the file, spaces and blank entries forgiven; an unknown role or an
// empty list stops the start, naming where the value came from.
func TestRoles(t *testing.T) {
	load := func(flags Source, environment map[string]string, yaml string) (Config, error) {
		if yaml != "" {
			file := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(file, []byte(yaml), 0o600)
			if flags == nil {
				flags = Source{}
			}
			flags["config"] = file
		}
		return Load(flags, env(environment))
	}
	accepted := []struct {
		name  string
		flags Source
		env   map[string]string
		yaml  string
		want  []string
	}{
		{"default", nil, nil, "", AllRoles},
		{"flag", Source{"roles": "token"}, nil, "", []string{RoleToken}},
		{"environment, spaced", nil, map[string]string{"REGISTRAR_ROLES": " registration , admin,"}, "", []string{RoleRegistration, RoleAdmin}},
		{"file", nil, nil, "roles: [registration]\n", []string{RoleRegistration}},
		{"flag over file", Source{"roles": "token,token"}, nil, "roles: [registration]\n", []string{RoleToken}},
	}
	for _, tc := range accepted {
		cfg, err := load(tc.flags, tc.env, tc.yaml)
		if err != nil || !slices.Equal(cfg.Roles, tc.want) {
			t.Errorf("%s: roles %v, %v; want %v", tc.name, cfg.Roles, err, tc.want)
		}
	}
	refused := []struct {
		name  string
		flags Source
		env   map[string]string
		yaml  string
		want  string
	}{
		{"unknown from a flag", Source{"roles": "token,dcr"}, nil, "", `roles (from --roles): "dcr" is not a role: use token, registration, admin`},
		{"unknown from the environment", nil, map[string]string{"REGISTRAR_ROLES": "Token"}, "", `roles (from REGISTRAR_ROLES): "Token" is not a role`},
		{"unknown in the file", nil, nil, "log_level: info\nroles:\n  - token\n  - tokens\n", `line 4: roles: "tokens" is not a role`},
		{"empty flag", Source{"roles": ""}, nil, "", "roles (from --roles): no role given"},
		{"only commas", nil, map[string]string{"REGISTRAR_ROLES": ","}, "", "roles (from REGISTRAR_ROLES): no role given"},
		{"empty list in the file", nil, nil, "roles: []\n", "line 1: roles: no role given"},
	}
	for _, tc := range refused {
		_, err := load(tc.flags, tc.env, tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestRegistrationEndpoint: an absolute URL with no path, https unless
// loopback, as base_url; the registration base is base_url without it.
func TestRegistrationEndpoint(t *testing.T) {
	cfg, err := Load(Source{"base_url": "https://id.example.com", "registration_endpoint": "https://dcr.example.com/"}, env(nil))
	if err != nil || cfg.RegistrationBaseURL() != "https://dcr.example.com" {
		t.Fatalf("registration base %q, %v; want https://dcr.example.com", cfg.RegistrationBaseURL(), err)
	}
	cfg, err = Load(Source{"base_url": "https://id.example.com"}, env(nil))
	if err != nil || cfg.RegistrationBaseURL() != "https://id.example.com" {
		t.Fatalf("registration base %q, %v; want base_url", cfg.RegistrationBaseURL(), err)
	}
	for _, bad := range []string{"http://dcr.example.com", "https://dcr.example.com/dcr", "dcr.example.com", "https://dcr.example.com?x=1"} {
		if _, err := Load(Source{"registration_endpoint": bad}, env(nil)); err == nil || !strings.Contains(err.Error(), "registration_endpoint (from --registration-endpoint)") {
			t.Errorf("registration_endpoint %q: %v; want it refused", bad, err)
		}
	}
}
