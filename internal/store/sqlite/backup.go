package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// backupRetryEvery is how long Backup waits before trying again when the
// source is busy (a checkpoint resetting the log holds it for a moment).
const backupRetryEvery = 50 * time.Millisecond

// Backup copies the database at path into a new file to, with SQLite's
// online backup API, while servers keep writing to it: the copy is taken
// in one step, under one read transaction, so it is the database as one
// commit left it, WAL contents included. It neither migrates nor creates
// the source (a missing one is an error), refuses a destination that
// exists, creates it 0600 as Open does the database, and checks the copy
// before it says yes. A failed backup leaves no file behind.
func Backup(ctx context.Context, path, to string) (err error) {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if err := createNew(to); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(to)
		}
	}()
	src, err := sql.Open("sqlite", fileURI(path)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer src.Close()
	conn, err := src.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite %s: %w", path, err)
	}
	defer conn.Close()
	if err := conn.Raw(func(driverConn any) error { return copyDatabase(ctx, driverConn, fileURI(to)) }); err != nil {
		return fmt.Errorf("backup of %s: %w", path, err)
	}
	return checkCopy(ctx, to)
}

// createNew creates the empty destination file, private, refusing one
// that exists: a backup never overwrites.
func createNew(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: a backup never overwrites a file; name a new one", path)
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// backuper is what modernc's connection offers for the online backup.
type backuper interface {
	NewBackup(dstURI string) (*msqlite.Backup, error)
}

// copyDatabase runs the online backup from driverConn into dstURI in a
// single step, retrying while the source is busy.
func copyDatabase(ctx context.Context, driverConn any, dstURI string) error {
	source, ok := driverConn.(backuper)
	if !ok {
		return fmt.Errorf("the SQLite driver offers no online backup")
	}
	b, err := source.NewBackup(dstURI)
	if err != nil {
		return err
	}
	for {
		more, err := b.Step(-1)
		if err == nil && !more {
			return b.Finish()
		}
		if err != nil && !isBusy(err) {
			b.Finish()
			return err
		}
		select {
		case <-ctx.Done():
			b.Finish()
			return ctx.Err()
		case <-time.After(backupRetryEvery):
		}
	}
}

func isBusy(err error) bool {
	code := sqliteCode(err)
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

// checkCopy opens the copy and runs SQLite's quick_check on it, so a
// backup that says it succeeded can be restored from.
func checkCopy(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", fileURI(path))
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&result); err != nil {
		return fmt.Errorf("checking the copy %s: %w", path, err)
	}
	if result != "ok" {
		return fmt.Errorf("the copy %s failed its check: %s", path, result)
	}
	return nil
}

// fileURI is path as an SQLite URI, so that a name holding "?" or "#"
// stays a name.
func fileURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}
