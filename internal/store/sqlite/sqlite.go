// Package sqlite is the embedded default store: modernc.org/sqlite (pure
// Go, no cgo) in WAL mode. Writes go through one connection — SQLite has a
// single writer, and queueing in Go is cheaper than SQLITE_BUSY retries —
// while reads use a pool that WAL lets run beside the writer. The
// statements themselves live in internal/store/sqlstore.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pressly/goose/v3"
	"golang.org/x/time/rate"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// dialect: SQLite reports constraint violations in the message; it has no
// serialization failures (one writer) and no network to lose. It has no
// row locks either, and needs none (ShareLock stays empty): its one
// writer runs each write transaction alone, so what one reads stays as
// read until it commits. dialectFor adds what depends on the file.
var dialect = sqlstore.Dialect{
	IsUnique:      func(err error) bool { return strings.Contains(err.Error(), "UNIQUE constraint failed") },
	IsRetryable:   func(error) bool { return false },
	IsUnavailable: unavailable,
}

// dialectFor is dialect for the database at path.
func dialectFor(path string) sqlstore.Dialect {
	d := dialect
	d.IsFull = func(err error) bool { return diskFull(err, filepath.Dir(path)) }
	return d
}

// unavailable: the file cannot be opened, or another process held the
// write lock past busy_timeout (a backup, a sqlite3 shell). Both pass;
// neither is the request's fault.
func unavailable(err error) bool {
	if sqliteCode(err) == sqlite3.SQLITE_BUSY {
		return true
	}
	return strings.Contains(err.Error(), "unable to open database")
}

// sqliteCode is err's primary SQLite result code, or 0.
func sqliteCode(err error) int {
	var se interface{ Code() int }
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// fullBelow is the free space under which an I/O error is taken for a
// full disk: SQLite writes pages of a few KiB, and the log and its index
// grow by at most a few tens of KiB at a time.
const fullBelow = 1 << 20

// diskFull: the write failed for want of space in dir. SQLite says
// SQLITE_FULL when a write returned ENOSPC, but some writes (growing the
// shared-memory index, a sync) report any failure as an SQLITE_IOERR
// whose errno the driver does not expose: such an error counts as a full
// disk when the file system has (next to) no room left.
func diskFull(err error, dir string) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_FULL:
		return true
	case sqlite3.SQLITE_IOERR:
		free, ok := freeBytes(dir)
		return ok && free < fullBelow
	}
	return false
}

// Open opens (creating if needed) and migrates the database at path.
// synchronous=NORMAL in WAL mode survives a process crash; only a power
// loss can lose the last commits. checkpointWAL copies the log into the
// file beside the writer, and warns on log when it cannot.
//
// A new database file is created 0600 (createPrivate), and existing files
// others may read are warned about.
func Open(ctx context.Context, path string, log *slog.Logger) (*sqlstore.Store, error) {
	warnLooseModes(path, log)
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, describeFull(err, path))
	}
	dsn := fileURI(path) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(5000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := migrateLocked(ctx, write, path); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, describeFull(err, path))
	}
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxLifetime(0)
	d := dialectFor(path)
	d.Maintain = func(ctx context.Context, _, read *sql.DB, commits func() uint64) {
		checkpointWAL(ctx, newCheckpointer(read, commits, log))
	}
	return sqlstore.New(write, read, d), nil
}

// describeFull says so when err is the disk being full: SQLite's own
// words for it at a start can be a bare "disk I/O error".
func describeFull(err error, path string) error {
	if errors.Is(err, syscall.ENOSPC) || diskFull(err, filepath.Dir(path)) {
		return fmt.Errorf("the disk is full (%w)", err)
	}
	return err
}

// migrateLocked runs the migrations while holding the file lock, so that
// of several processes opening a new file together one creates the schema
// and the others find it done.
func migrateLocked(ctx context.Context, db *sql.DB, path string) error {
	release, err := lockMigrations(path)
	if err != nil {
		return err
	}
	defer release()
	return migrate(ctx, db)
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// checkpointEvery is how often checkpointWAL looks for commits to copy.
const checkpointEvery = 100 * time.Millisecond

// checkpointWarnEvery bounds how often a failing checkpoint is logged.
const checkpointWarnEvery = time.Minute

// checkpointWAL copies the write-ahead log into the database file from a
// read connection. SQLite's own automatic checkpoint runs inside the COMMIT
// that takes the log past 1,000 pages: profiled under token load it was a
// tenth of the single writer's time, and every request waiting on that
// commit waited for it. A PASSIVE checkpoint here waits for no one and
// leaves the automatic one only the last few pages to copy, which it must
// still do: the writer restarts the log only after a checkpoint that
// reached its end, and only its own commit-time one does under steady
// writes. Measured with wrk (cc opaque, SQLite): p99 18-20 ms against
// 21-22 ms with the automatic checkpoint alone.
func checkpointWAL(ctx context.Context, c *checkpointer) {
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			c.run(ctx)
		}
	}
}

// checkpointer is checkpointWAL's state between ticks.
type checkpointer struct {
	read    *sql.DB
	commits func() uint64 // the store's count of commits
	log     *slog.Logger
	// copied is commits() when a checkpoint last copied the whole log;
	// until then (copiedAny false) there may be frames from before the
	// store counted anything, such as the migrations'.
	copied    uint64
	copiedAny bool
	// warn limits failure warnings; failures counts those since the last.
	warn     rate.Sometimes
	failures int
}

func newCheckpointer(read *sql.DB, commits func() uint64, log *slog.Logger) *checkpointer {
	return &checkpointer{read: read, commits: commits, log: log, warn: rate.Sometimes{Interval: checkpointWarnEvery}}
}

// run checkpoints unless the log holds nothing new since the last
// checkpoint that copied all of it, so an idle store does no work. It
// reports whether it checkpointed.
func (c *checkpointer) run(ctx context.Context) bool {
	n := c.commits()
	if c.copiedAny && n == c.copied {
		return false
	}
	// PRAGMA wal_checkpoint answers busy, the frames in the log, and the
	// frames copied; a reader can hold frames back from a PASSIVE
	// checkpoint, which then runs again at the next tick.
	var busy, frames, copied int
	err := c.read.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	switch {
	case err != nil && ctx.Err() != nil:
		// The store is closing.
	case err != nil:
		c.failures++
		c.warn.Do(func() {
			c.log.Warn("sqlite: background WAL checkpoint failed; commits will copy the log themselves",
				"err", err, "failures", c.failures)
			c.failures = 0
		})
	case busy == 0 && copied == frames:
		c.copied, c.copiedAny = n, true
	}
	return true
}
