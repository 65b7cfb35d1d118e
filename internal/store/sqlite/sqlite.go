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
	"strconv"
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

// writerCacheKiB is the writing connection's page cache (SQLite's default
// is 2,000 KiB). Spent assertion ids land on random pages of their key's
// index, and with the default cache half the spends read a page back from
// the file: 8 MiB took about a fifth off a spend's CPU. The readers keep the
// default, so the cache costs at most this much resident memory, filled
// only as writes come.
const writerCacheKiB = 8192

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
		"&_pragma=busy_timeout(5000)&_pragma=foreign_keys(ON)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(autoCheckpointPages) + ")&_txlock=immediate"
	write, err := sql.Open("sqlite", dsn+"&_pragma=cache_size("+strconv.Itoa(-writerCacheKiB)+")")
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

// checkpointEvery is how often checkpointWAL looks for commits to copy
// while commits come; checkpointIdleEvery once a look found none.
const (
	checkpointEvery     = 10 * time.Millisecond
	checkpointIdleEvery = 100 * time.Millisecond
)

// autoCheckpointPages is the log size (pages) past which a COMMIT runs
// SQLite's own checkpoint, the only one that restarts the log under
// steady writes (see checkpointWAL). It costs the waiting writers two
// fsyncs, one of everything logged since the last sync: at SQLite's
// default of 1,000 pages, about 15 times a second under opaque-token
// load, each COMMIT 5-20 ms, the p99 of every write. At 10,000 the log
// grows to about 40 MiB before it restarts.
const autoCheckpointPages = 10000

// checkpointWarnEvery bounds how often a failing checkpoint is logged.
const checkpointWarnEvery = time.Minute

// checkpointWAL copies the write-ahead log into the database file from a
// read connection, beside the writer: a PASSIVE checkpoint waits for no
// one. It looks every 10 ms while commits come, so that it keeps up with
// the writer, and the checkpoint a COMMIT must still run now and then
// (the writer restarts the log only after a checkpoint that reached its
// end, and under steady writes only its own commit-time one does) finds
// little to copy and little to sync. Measured (cc-opaque, SQLite, same
// machine, alternating runs): the server's own p99 26-27 ms with a look
// every 100 ms and SQLite's default 1,000 pages, 7.5-14 ms with these.
func checkpointWAL(ctx context.Context, c *checkpointer) {
	wait := time.NewTimer(checkpointIdleEvery)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
			if c.run(ctx) {
				wait.Reset(checkpointEvery)
			} else {
				wait.Reset(checkpointIdleEvery)
			}
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
