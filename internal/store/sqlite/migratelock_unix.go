//go:build unix

package sqlite

import (
	"fmt"
	"os"
	"syscall"
)

// lockMigrations takes an exclusive advisory lock beside the database file
// and returns its release. Replicas started together on an empty file would
// otherwise each see no goose version table and each try to create the
// schema. goose has no SQLite locker, and SQLite's own locks cannot cover
// goose's separate steps, so the processes queue on flock(2) here.
//
// The lock is a sidecar file (next to -wal and -shm) rather than the
// database itself: closing any descriptor of the database file would drop
// the POSIX locks SQLite holds on it in this process.
func lockMigrations(dbPath string) (release func(), err error) {
	f, err := os.OpenFile(dbPath+"-migrate-lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	// Closing the descriptor releases the flock.
	return func() { f.Close() }, nil
}
