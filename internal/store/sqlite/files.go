package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
)

// sidecars are the files kept beside the database: SQLite's write-ahead
// log and its shared-memory index, and the migration lock.
var sidecars = []string{"-wal", "-shm", "-migrate-lock"}

// createPrivate creates the database file, if it is missing, readable and
// writable by its owner only: it holds password hashes and the audit
// trail. SQLite's unix VFS gives the -wal and -shm files it makes later the
// database file's own permission bits (findCreateFileMode,
// unixOpenSharedMemory), so 0600 here carries to them whatever the umask.
// The umask itself is left alone: it is per process, and narrowing it
// around the open would race with every other goroutine creating a file.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// warnLooseModes warns about each existing file of the database that other
// users may read or write. It changes nothing: a looser mode may be an
// operator's choice (a backup user in the group), and the warning says
// what to do.
func warnLooseModes(path string, log *slog.Logger) {
	if runtime.GOOS == "windows" {
		return // no unix permission bits to judge
	}
	for _, p := range append([]string{path}, sidecarPaths(path)...) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		log.Warn("sqlite: a database file is open to other users, yet holds password hashes and the audit trail; chmod 600 it",
			"path", p, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
}

func sidecarPaths(path string) []string {
	paths := make([]string, len(sidecars))
	for i, s := range sidecars {
		paths[i] = path + s
	}
	return paths
}
