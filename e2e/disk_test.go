package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSQLiteFilesArePrivate: a first start in an empty folder creates the
// database, its write-ahead log, its shared-memory index and the migration
// lock readable by the owner only (they hold password hashes and the audit
// trail), as the master key file is.
func TestSQLiteFilesArePrivate(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	n.clientCredentials("default", id, secret, "dcr") // a write, so the log exists
	for _, name := range []string{"registrar.db", "registrar.db-wal", "registrar.db-shm", "registrar.db-migrate-lock", "registrar.key"} {
		fi, err := os.Stat(filepath.Join(n.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %04o; want 0600", name, mode)
		}
	}
}

// TestSQLiteLooseModeWarned: a database another user may read is named in
// a warning at start, with its mode.
func TestSQLiteLooseModeWarned(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, nodeOpts{Dir: dir})
	n.stop()
	db := filepath.Join(dir, "registrar.db")
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, nodeOpts{Dir: dir})
	logged := n.Stderr.String()
	if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, db) || !strings.Contains(logged, "0644") {
		t.Errorf("no warning naming %s and its mode 0644:\n%s", db, logged)
	}
}

// TestFullDisk: on a disk that fills up, a registration answers 503 with
// Retry-After (not 500), /readyz takes the node out, and both recover by
// themselves once space returns. A start on a full disk says so.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "24m")
	// Filling the disk takes more registrations than the rate limits let
	// one caller make.
	n := startNode(t, nodeOpts{Dir: dir, YAML: unlimited})
	tok := n.iat("default", 100000)
	const metadata = `{"grant_types":["client_credentials"],"client_name":"filler"}`
	n.mustRegister("default", tok, metadata)

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	// The log may still have room for a few commits it made earlier.
	var r response
	for i := 0; i < 5000; i++ {
		if r = n.register("default", tok, metadata); r.Status != 201 {
			break
		}
	}
	if r.Status != 503 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("registration on a full disk: %d %s (Retry-After %q); want 503 with Retry-After", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	wantError(t, r, 503, "temporarily_unavailable")
	if got := get(t, n.Base+"/readyz"); got.Status != 503 {
		t.Errorf("/readyz on a full disk: %d %s; want 503", got.Status, got.Body)
	}
	if strings.Contains(n.Stderr.String(), "status=500") {
		t.Errorf("a full disk was reported as our 500:\n%s", n.Stderr)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	n.mustRegister("default", tok, metadata)
	deadline := time.Now().Add(30 * time.Second)
	for get(t, n.Base+"/readyz").Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz not 200 within 30s of space returning")
		}
		time.Sleep(200 * time.Millisecond)
	}
	n.stop()

	// A start on a full disk names the cause, both a restart (SQLite's
	// own words: "disk I/O error", growing its shared-memory index) and a
	// first start.
	fillDisk(t, filler)
	wantFullDiskRefusal(t, dir)
	fresh := filepath.Join(dir, "fresh")
	if err := os.Mkdir(fresh, 0o700); err != nil {
		t.Fatal(err)
	}
	// The node's master key: a new one could not be written either.
	wantFullDiskRefusal(t, fresh, "--master-key-file", filepath.Join(dir, "registrar.key"))
}

// wantFullDiskRefusal starts serve in dir, which must exit at once saying
// the disk is full.
func wantFullDiskRefusal(t *testing.T, dir string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, binary, append([]string{"serve", "--listen", "127.0.0.1:0", "--db", "sqlite:registrar.db"}, args...)...)
	serve.Dir, serve.Env = dir, baseEnv()
	out, err := serve.CombinedOutput()
	if err == nil || ctx.Err() != nil || !strings.Contains(string(out), "the disk is full") {
		t.Errorf("serve in %s on a full disk: %v; want a refusal saying the disk is full:\n%s", dir, err, out)
	}
}

// mountTmpfs mounts a tmpfs of size on a new temporary folder, unmounted
// at cleanup; it skips the test where mounting is not permitted.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN) to fill a disk: %v %s", err, out)
	}
	// Registered after startNode's cleanups would run before them; this
	// one runs last, once the node has stopped, and a busy mount is
	// detached rather than left behind.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s; detaching", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// fillDisk writes path until the file system holding it has no room left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// A smaller write may still find a last partial block.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
}
