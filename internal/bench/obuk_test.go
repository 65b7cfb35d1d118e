package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// The TLS server's configuration, with the Open Banking UK workspace, is
// one the server accepts.
func TestOpenBankingBenchConfigLoads(t *testing.T) {
	ob, err := newOpenBanking()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ob.workspaceYAML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "registrar.yaml")
	os.WriteFile(path, []byte(benchConfig+doc), 0o600)
	cfg, err := config.Load(config.Source{"config": path}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := cfg.WorkspaceSettings("obuk"); !ok || !s.IsProfile(workspace.ProfileOpenBankingUK) {
		t.Fatalf("obuk workspace: %+v", s)
	}
}
