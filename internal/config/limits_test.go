package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLimitsDefaultsAndDays: the abuse limits are on with nothing set;
// retention and the unused-client TTL take days; bad values are named.
func TestLimitsDefaultsAndDays(t *testing.T) {
	d := Default()
	if d.RegistrationRateLimit.PerAddress != 20 || d.RegistrationRateLimit.PerToken != 10 || d.Audit.Retain.Duration() != 90*24*time.Hour || d.Audit.DenialsPerMinute != 10 {
		t.Errorf("defaults %+v %+v", d.RegistrationRateLimit, d.Audit)
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("audit: {retain: 30d}\nworkspaces:\n  - name: default\n    registration: {unused_client_ttl: 7d, max_clients: 100}\n"), 0o600)
	cfg, err := Load(Source{"config": file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := cfg.WorkspaceSettings("default")
	if cfg.Audit.Retain.Duration() != 30*24*time.Hour || ws.Registration.UnusedClientTTL.Duration() != 7*24*time.Hour || ws.Registration.MaxClients != 100 {
		t.Errorf("got retain %v, unused_client_ttl %v, max_clients %d", cfg.Audit.Retain.Duration(), ws.Registration.UnusedClientTTL.Duration(), ws.Registration.MaxClients)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"audit: {retain: ninety}\n", `line 1: "ninety" is not a duration`},
		{"audit: {retain: 10m}\n", "audit.retain: must be 0 (keep forever) or at least 1h"},
		{"registration_rate_limit: {per_address: -1}\n", "registration_rate_limit.per_address: must be 0"},
		{"workspaces:\n  - name: default\n    registration: {max_clients: -1}\n", "registration.max_clients"},
		{"workspaces:\n  - name: default\n    registration: {unused_client_ttl: 5m}\n", "registration.unused_client_ttl: must be 0"},
	} {
		if _, err := loadYAML(t, tc.yaml); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestFetchAllowPrivateNetworks(t *testing.T) {
	if Default().Fetch.AllowPrivateNetworks {
		t.Fatal("private networks are allowed by default")
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("fetch: {allow_private_networks: true}\n"), 0o600)
	cfg, err := Load(Source{"config": file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Fetch.AllowPrivateNetworks {
		t.Fatal("fetch.allow_private_networks: true was not read")
	}
}
