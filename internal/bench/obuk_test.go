package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// The bench's configuration, the Open Banking UK workspace and its
// client CA included, is one the server accepts.
func TestOpenBankingBenchConfigLoads(t *testing.T) {
	ob, err := newOpenBanking()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ob.workspaceYAML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir) // client_ca names a file in the server's folder
	os.WriteFile(filepath.Join(dir, obukCAFile), ob.caPEM, 0o600)
	path := filepath.Join(dir, "registrar.yaml")
	os.WriteFile(path, []byte(ob.serverConfig()+benchConfig+doc), 0o600)
	cfg, err := config.Load(config.Source{"config": path}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := cfg.WorkspaceSettings("obuk"); !ok || !s.IsProfile(workspace.ProfileOpenBankingUK) {
		t.Fatalf("obuk workspace: %+v", s)
	}
}
