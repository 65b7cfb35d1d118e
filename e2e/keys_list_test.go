package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runIn runs the binary in dir with the harness's environment.
func runIn(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, baseEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// dirEntries names what dir holds.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestKeysListNeverWrites: listing keys is a read. On a folder with no
// store it creates neither the database nor a master key file (a key file
// made by a listing run in the wrong place would seal new keys under a
// stray master key); on a migrated store without keys it creates no
// signing keys. Either way it says there are none yet.
func TestKeysListNeverWrites(t *testing.T) {
	dir := t.TempDir()
	out, err := runIn(t, dir, "keys", "list")
	if err != nil || !strings.Contains(out, "no signing keys yet") {
		t.Fatalf("keys list in an empty folder: %v\n%s", err, out)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("keys list in an empty folder created %v", names)
	}
	if out, err := runIn(t, dir, "keys", "list", "--json"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("keys list --json in an empty folder: %v\n%s", err, out)
	}

	if out, err := runIn(t, dir, "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for i := 0; i < 2; i++ { // the second listing sees what the first left
		out, err := runIn(t, dir, "keys", "list", "--json")
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Fatalf("keys list --json #%d on a migrated store: %v\n%s", i+1, err, out)
		}
	}
	if out, err := runIn(t, dir, "keys", "list", "--workspace", "nowhere"); err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("keys list of an undeclared workspace: %v\n%s", err, out)
	}

	n := startNode(t, nodeOpts{Dir: dir})
	if _, err := os.Stat(filepath.Join(dir, "registrar.db")); err != nil {
		t.Fatal(err)
	}
	if text := n.mustCLI("keys", "list"); strings.Count(text, "active") != 3 {
		t.Fatalf("keys list after serve made the keys:\n%s", text)
	}
}

// TestAuditListNeverWrites: listing audit events is a read too; in a
// folder with no store it creates nothing and lists nothing.
func TestAuditListNeverWrites(t *testing.T) {
	dir := t.TempDir()
	if out, err := runIn(t, dir, "audit", "list", "--json"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("audit list --json in an empty folder: %v\n%s", err, out)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("audit list in an empty folder created %v", names)
	}
	if out, err := runIn(t, dir, "audit", "list", "--workspace", "nowhere"); err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("audit list of an undeclared workspace: %v\n%s", err, out)
	}
}
