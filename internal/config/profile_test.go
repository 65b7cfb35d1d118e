package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/workspace"
)

func TestProfileGivesItsDefaultsUnderTheKeysWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.yaml")
	issuers := "    registration:\n      software_statement:\n        issuers: [{issuer: OpenBanking Ltd, jwks_uri: 'https://keystore.example/ob.jwks'}]\n"
	os.WriteFile(path, []byte("workspaces:\n  - name: bank\n    profile: openbanking_uk\n"+issuers+
		"  - name: bank2\n    profile: openbanking_uk\n"+issuers+"      mode: open\n"), 0o600)
	cfg, err := Load(Source{"config": path}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	bank, _ := cfg.WorkspaceSettings("bank")
	if bank.Profile != workspace.ProfileOpenBankingUK || bank.Registration.Mode != workspace.ModeSoftwareStatement {
		t.Fatalf("profile %q, mode %q; want the profile's default mode", bank.Profile, bank.Registration.Mode)
	}
	if bank2, _ := cfg.WorkspaceSettings("bank2"); bank2.Registration.Mode == workspace.ModeSoftwareStatement {
		t.Fatal("a key the YAML sets must override the profile's default")
	}
}

func TestUnknownProfileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.yaml")
	os.WriteFile(path, []byte("workspaces:\n  - name: w\n    profile: fapi1\n"), 0o600)
	if _, err := Load(Source{"config": path}, env(nil)); err == nil || !strings.Contains(err.Error(), "profile") {
		t.Fatalf("profile fapi1: %v; want it refused by name", err)
	}
}

func TestFAPI2WorkspaceRefusesAWeakerKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.yaml")
	os.WriteFile(path, []byte("workspaces:\n  - name: api\n    profile: fapi2\n    registration:\n      auth_methods: [private_key_jwt, client_secret_basic]\n"), 0o600)
	_, err := Load(Source{"config": path}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "registration.auth_methods") || !strings.Contains(err.Error(), "client_secret_basic") {
		t.Fatalf("fapi2 with client_secret_basic: %v; want the key and value named", err)
	}
}
