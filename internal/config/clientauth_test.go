package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClientAuthSettings: client_auth takes a duration and an alg list
// per workspace, keeps the defaults when unset, and names a bad value.
func TestClientAuthSettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("workspaces:\n  - name: a\n    client_auth: {assertion_max_lifetime: 5m, signing_algs: [ES256, PS384]}\n  - name: b\n"), 0o600)
	cfg, err := Load(Source{"config": file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cfg.WorkspaceSettings("a")
	if a.AssertionMaxLifetime() != 5*time.Minute || !slices.Equal(a.AssertionAlgs(), []string{"ES256", "PS384"}) {
		t.Errorf("a: %v %v", a.AssertionMaxLifetime(), a.AssertionAlgs())
	}
	b, _ := cfg.WorkspaceSettings("b")
	if b.AssertionMaxLifetime() != time.Hour || !slices.Equal(b.AssertionAlgs(), []string{"PS256", "ES256", "RS256", "EdDSA"}) {
		t.Errorf("b: %v %v; want the defaults", b.AssertionMaxLifetime(), b.AssertionAlgs())
	}
	for _, tc := range []struct{ yaml, want string }{
		{"workspaces:\n  - name: a\n    client_auth: {signing_algs: [HS256]}\n", "client_auth.signing_algs: \"HS256\" is not one of"},
		{"workspaces:\n  - name: a\n    client_auth: {signing_algs: [none]}\n", "client_auth.signing_algs: \"none\" is not one of"},
		{"workspaces:\n  - name: a\n    client_auth: {signing_algs: []}\n", "client_auth.signing_algs: must name at least one"},
		{"workspaces:\n  - name: a\n    client_auth: {assertion_max_lifetime: 2d}\n", "client_auth.assertion_max_lifetime: must be between"},
		{"workspaces:\n  - name: a\n    client_auth: {assertion_max_lifetime: 0}\n", "client_auth.assertion_max_lifetime: must be between"},
	} {
		if _, err := loadYAML(t, tc.yaml); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
}
