package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChangesNeedTheServersStore: the commands that change what a
// workspace already holds (keys rotate, client delete, iat revoke, user
// delete, user passwd, user unlock) have nothing to act on in a store that
// lacks the workspace. Run in the wrong folder or on another --db they refuse,
// saying where they looked and that --db may be wrong, and create
// nothing: no database, no master key file, no workspace whose fresh keys
// `keys rotate` would then rotate. A store whose master key file is not
// where they look is refused too: keys rotated in under a new master key
// would be sealed under a key no server has.
func TestChangesNeedTheServersStore(t *testing.T) {
	changes := [][]string{
		{"keys", "rotate"},
		{"client", "delete", "c1"},
		{"iat", "revoke", "i1"},
		{"user", "delete", "alice"},
		{"user", "passwd", "alice", "--password-stdin"},
		{"user", "unlock", "alice"},
	}
	refused := func(t *testing.T, dir string, args []string, want string) {
		t.Helper()
		out, err := runIn(t, dir, args...)
		if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "--db") {
			t.Fatalf("%s: %v\n%s\nwant a refusal saying %q and naming --db", strings.Join(args, " "), err, out, want)
		}
	}
	t.Run("empty folder", func(t *testing.T) {
		for _, args := range changes {
			dir := t.TempDir()
			refused(t, dir, args, "no store at sqlite:registrar.db")
			if names := dirEntries(t, dir); len(names) != 0 {
				t.Fatalf("%s in an empty folder created %v", strings.Join(args, " "), names)
			}
		}
	})
	t.Run("store without the workspace", func(t *testing.T) {
		dir := t.TempDir()
		if out, err := runIn(t, dir, "init"); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
		for _, args := range changes {
			refused(t, dir, args, `workspace "default" is not in the store sqlite:registrar.db`)
		}
		if out, err := jsonOut(t, dir, "keys", "list", "--json"); err != nil || out != "[]" {
			t.Fatalf("keys list after the refusals: %v\n%s; want no workspace keys made", err, out)
		}
	})
	t.Run("master key file elsewhere", func(t *testing.T) {
		n := startNode(t, nodeOpts{})
		out, err := n.cli("keys", "rotate", "--master-key-file", "elsewhere.key")
		if err == nil || !strings.Contains(out, "master key file elsewhere.key does not exist") {
			t.Fatalf("keys rotate with a missing master key file: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(n.Dir, "elsewhere.key")); err == nil {
			t.Fatal("the refused rotation created a master key file")
		}
		if text := n.mustCLI("keys", "list"); strings.Count(text, "active") != 3 || strings.Contains(text, "next") {
			t.Fatalf("keys after the refused rotation:\n%s", text)
		}
		if out := n.mustCLI("keys", "rotate"); !strings.Contains(out, "published now") {
			t.Fatalf("keys rotate on the server's store: %s", out)
		}
	})
}

// TestRefusedCreatesLeaveNothing: a create whose flags are refused on their
// own is refused before any store is opened, so run in the wrong folder it
// leaves no database or master key behind. An operator's redirect URI may
// use plain http only to a loopback host (codes must not cross a network
// in the clear).
func TestRefusedCreatesLeaveNothing(t *testing.T) {
	for _, args := range [][]string{
		{"client", "create", "--grant-type", "authorization_code"},
		{"client", "create", "--grant-type", "bogus"},
		{"client", "create", "--grant-type", "authorization_code", "--redirect-uri", "javascript:alert(1)"},
		{"client", "create", "--grant-type", "authorization_code", "--redirect-uri", "http://app.example/cb"},
		{"client", "create", "--auth-method", ""},
		{"client", "create", "--grant-type", " "},
		{"client", "create", "--scope", ""},
		{"client", "create", "--grant-type", "authorization_code", "--redirect-uri", "https://app.example/cb", "--redirect-uri", "https://app.example/cb"},
		{"iat", "create", "--uses", "-1"},
		{"user", "add", "--username", ""},
		{"user", "add", "--username", "erin", "--email", "notanemail"},
		{"user", "add", "--username", "erin", "--email", "Erin <erin@example.com>"},
	} {
		dir := t.TempDir()
		if out, err := runIn(t, dir, args...); err == nil {
			t.Errorf("%s was accepted:\n%s", strings.Join(args, " "), out)
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("%s, refused, left %v", strings.Join(args, " "), names)
		}
	}
	dir := t.TempDir()
	if out, err := runIn(t, dir, "init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := runIn(t, dir, "client", "create", "--grant-type", "authorization_code", "--redirect-uri", "http://localhost:3000/cb", "--json"); err != nil {
		t.Fatalf("a development client on http://localhost was refused: %v\n%s", err, out)
	}
}

// TestCreateBeforeTheFirstStart: scripts that make clients before the
// first start run `registrar init` first (a create makes no store of its
// own: TestCLIRefusesWithoutTheServersStore); the create then prints the
// client's JSON alone on stdout and nothing on stderr.
func TestCreateBeforeTheFirstStart(t *testing.T) {
	dir := t.TempDir()
	if out, err := runIn(t, dir, "init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, errs, err := runSplit(t, dir, "client", "create", "--grant-type", "client_credentials", "--scope", "dcr", "--json")
	var c map[string]any
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c["client_id"] == nil || errs != "" {
		t.Fatalf("client create: %v; stdout is not the client's JSON alone, or stderr is not empty:\n%s%s", err, out, errs)
	}
}

// TestCLIKeepsTheServersSettings: the CLI creates a declared workspace the
// store lacks, but never rewrites the settings of one the servers already
// use (they reread them within seconds): an operator command run with an
// edited or another file must not change how running servers behave.
// `serve` alone applies its file.
func TestCLIKeepsTheServersSettings(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: w\n    scopes: [openid, dcr]\n"})
	other := filepath.Join(n.Dir, "other.yaml")
	os.WriteFile(other, []byte("workspaces:\n  - name: w\n    scopes: [openid, dcr, extra]\n  - name: fresh\n    scopes: [openid, dcr, fresh]\n"), 0o600)
	if out, err := n.cli("client", "create", "--workspace", "w", "--grant-type", "client_credentials", "--scope", "extra", "--config", other, "--json"); err == nil || !strings.Contains(out, "extra") {
		t.Fatalf("a CLI run with another file widened the server's workspace: %v\n%s", err, out)
	}
	n.createClient("w", "--grant-type", "client_credentials", "--scope", "dcr", "--config", other)
	if out, err := n.cli("client", "create", "--workspace", "w", "--grant-type", "client_credentials", "--scope", "extra", "--json"); err == nil {
		t.Fatalf("the store's workspace took the other file's scopes:\n%s", out)
	}
	// A workspace only the other file declares is created from it.
	n.createClient("fresh", "--grant-type", "client_credentials", "--scope", "fresh", "--config", other)
}
