package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// runSplit is runIn with standard output and standard error apart: what
// --json prints must be the JSON alone, whatever hint goes to stderr.
func runSplit(t *testing.T, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, baseEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// jsonOut runs a --json command and returns its stdout trimmed, with
// stderr added to err's message when it fails.
func jsonOut(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	out, stderr, err := runSplit(t, dir, args...)
	if err != nil {
		err = fmt.Errorf("%w: %s", err, stderr)
	}
	return strings.TrimSpace(out), err
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

// TestKeysListNeverWrites: listing keys is a read. In a folder with no
// store it is refused and creates neither the database nor a master key
// file (a key file made by a listing run in the wrong place would seal new
// keys under a stray master key); on a new store without keys it creates
// no signing keys, and says there are none yet.
func TestKeysListNeverWrites(t *testing.T) {
	dir := t.TempDir()
	out, err := runIn(t, dir, "keys", "list")
	if err == nil || !strings.Contains(out, "no store at sqlite:registrar.db") {
		t.Fatalf("keys list in an empty folder: %v\n%s", err, out)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("keys list in an empty folder created %v", names)
	}

	if out, err := runIn(t, dir, "init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if out, err := runIn(t, dir, "keys", "list"); err != nil || !strings.Contains(out, "no signing keys yet") {
		t.Fatalf("keys list on a new store: %v\n%s", err, out)
	}
	for i := 0; i < 2; i++ { // the second listing sees what the first left
		out, err := jsonOut(t, dir, "keys", "list", "--json")
		if err != nil || out != "[]" {
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
// folder with no store it is refused and creates nothing.
func TestAuditListNeverWrites(t *testing.T) {
	dir := t.TempDir()
	if out, err := runIn(t, dir, "audit", "list", "--json"); err == nil || !strings.Contains(out, "no store at") {
		t.Fatalf("audit list --json in an empty folder: %v\n%s", err, out)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("audit list in an empty folder created %v", names)
	}
	runIn(t, dir, "init")
	if out, err := jsonOut(t, dir, "audit", "list", "--json"); err != nil || out != "[]" {
		t.Fatalf("audit list --json on a new store: %v\n%s", err, out)
	}
	if out, err := runIn(t, dir, "audit", "list", "--workspace", "nowhere"); err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("audit list of an undeclared workspace: %v\n%s", err, out)
	}
}

// TestListingsNeverWrite: client list, client get, iat list and user list
// only read, as keys list and audit list do. In a folder with no store
// each is refused and creates nothing (no database, no master key file),
// so the first `serve` there is still a first start and prints the
// bootstrap client. On a store that exists but has no workspace yet, none
// of them creates the workspace (whose signing keys keys list would show).
func TestListingsNeverWrite(t *testing.T) {
	listings := []struct {
		args    []string
		want    string // the output, exactly for --json, else a part of it
		wantErr bool
	}{
		{args: []string{"client", "list", "--json"}, want: "[]"},
		{args: []string{"client", "list"}, want: "CLIENT_ID"},
		{args: []string{"client", "get", "c1"}, want: `no client "c1" in workspace default`, wantErr: true},
		{args: []string{"iat", "list", "--json"}, want: "[]"},
		{args: []string{"user", "list", "--json"}, want: "[]"},
		{args: []string{"iat", "list", "--workspace", "nowhere"}, want: `workspace "nowhere" does not exist`, wantErr: true},
	}
	check := func(t *testing.T, dir string, args []string, want string, wantErr bool) {
		t.Helper()
		out, err := runIn(t, dir, args...)
		matched := strings.Contains(out, want)
		if slices.Contains(args, "--json") {
			out, err = jsonOut(t, dir, args...)
			matched = out == want
		}
		if (err != nil) != wantErr || !matched {
			t.Fatalf("%s: %v\n%s\nwant (error %v) %s", strings.Join(args, " "), err, out, wantErr, want)
		}
	}
	// An empty list from a folder without a store must not pass for an
	// empty store: the listing is refused, saying where it looked.
	for _, tc := range listings {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			if out, err := runIn(t, dir, tc.args...); err == nil || !strings.Contains(out, "no store at sqlite:registrar.db") || !strings.Contains(out, "--db") {
				t.Errorf("in an empty folder: %v\n%s; want a refusal naming the store and --db", err, out)
			}
			if names := dirEntries(t, dir); len(names) != 0 {
				t.Fatalf("created %v", names)
			}
			startNode(t, nodeOpts{Dir: dir}).bootstrap()
		})
	}
	t.Run("new store", func(t *testing.T) {
		dir := t.TempDir()
		if out, err := runIn(t, dir, "init"); err != nil {
			t.Fatalf("init: %v\n%s", err, out)
		}
		for _, tc := range listings {
			check(t, dir, tc.args, tc.want, tc.wantErr)
		}
		check(t, dir, []string{"keys", "list", "--json"}, "[]", false)
		startNode(t, nodeOpts{Dir: dir}).bootstrap()
	})
}
