// Package sqlstore implements the store contract once, over database/sql,
// for every SQL backend. The statements are written so SQLite and
// PostgreSQL (and PostgreSQL-compatible distributed engines) run them
// unchanged: times are integer microseconds since the epoch (UTC, no time
// zone conversions anywhere), JSON is text, placeholders are `?` and are
// numbered for backends that need `$n`. A backend supplies its connection
// pools, its migrations and a Dialect that classifies its errors.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// Dialect is what differs between backends.
type Dialect struct {
	// NumberedPlaceholders turns `?` into `$1, $2…` (PostgreSQL).
	NumberedPlaceholders bool
	// IsUnique reports a unique-constraint violation.
	IsUnique func(error) bool
	// IsRetryable reports a serialization failure worth retrying (40001).
	IsRetryable func(error) bool
	// IsUnavailable reports that the database cannot be reached.
	IsUnavailable func(error) bool
	// IsFull reports a write that failed for want of disk space; nil
	// when the backend cannot tell.
	IsFull func(error) bool
	// ShareLock ends a SELECT that must lock the rows it reads against
	// concurrent change until the transaction ends (" FOR SHARE"). Empty
	// where transactions run one at a time (SQLite's single writer): no
	// other write can come between a read and the write that relies on it.
	// A write that is conditional on a row it does not change (a session
	// on its user's password, a code on its session) needs it under READ
	// COMMITTED: without it, the condition is read from the last commit
	// while a change to the row is in progress, and the write lands after
	// that change has looked for what to end.
	ShareLock string
	// GroupCommits is how many batches of the browser flow's writes may
	// commit at once (batch.go); 0 means one, for every write. SQLite keeps
	// one: its single writer would only queue a second.
	GroupCommits int
	// WriteTx opens every write transaction. The share locks above rely
	// on each statement of a password change seeing what committed before
	// it started, which READ COMMITTED gives and REPEATABLE READ, set as a
	// database's default, would not: PostgreSQL pins READ COMMITTED here.
	// nil: the driver's default (SQLite's transactions are serializable).
	WriteTx *sql.TxOptions
	// Maintain, if set, runs for the store's life and returns when ctx is
	// done (SQLite checkpoints its write-ahead log there). commits counts
	// the writes committed through the store so far, so that it can rest
	// while nothing changes.
	Maintain func(ctx context.Context, write, read *sql.DB, commits func() uint64)
}

// Store implements store.Store and the registration and browser-flow
// contracts.
type Store struct {
	write   *sql.DB // SQLite: one connection, its single writer
	read    *sql.DB // may be the same pool
	dialect Dialect
	// stmts caches prepared statements by pool and source text: parsing
	// SQL on every request cost a sixth of the CPU of a token request.
	stmts     sync.Map // stmtKey → *sql.Stmt
	preparing sync.Map // query → true, for statements prepared in the background
	decoded   *decodedClients
	// clientCache serves CachedClientByID (clientcache.go).
	clientCache *clientCache

	stopMaintenance func() // cancels Maintain and waits for it
	// commits counts writes through the write pool, bumped after each
	// commit (or failed write: that costs Maintain only a needless pass).
	commits atomic.Uint64
	// reads and writes count the statements sent to the database, for
	// Activity: what each request costs in round trips.
	reads, writes atomic.Uint64
	// diskFullAt is when a write last failed for want of disk space (Unix
	// nanoseconds; 0: never), for Ping.
	diskFullAt atomic.Int64

	// group commit (batch.go): the lanes of the browser flow and of the
	// other writes; one lane where the dialect has one committer
	batch, flows *lane
	quit         chan struct{}
	batcherDone  chan struct{}
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// New returns a Store over the pools (read may equal write).
func New(write, read *sql.DB, d Dialect) *Store {
	s := &Store{write: write, read: read, dialect: d, decoded: newDecodedClients(), clientCache: newClientCache()}
	s.startBatcher()
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Go(func() { s.watchClientChanges(ctx) })
	if d.Maintain != nil {
		running.Go(func() { d.Maintain(ctx, write, read, s.commits.Load) })
	}
	s.stopMaintenance = func() { cancel(); running.Wait() }
	return s
}

// prepared returns the cached statement for query on db, preparing it once.
func (s *Store) prepared(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	key := stmtKey{db, query}
	if st, ok := s.stmts.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, s.wrap(err)
	}
	if prev, loaded := s.stmts.LoadOrStore(key, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// rowScanner is what a single-row read yields: a *sql.Row, or the error of
// preparing its statement.
type rowScanner interface{ Scan(...any) error }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// readRow runs a single-row query on the read pool with a cached statement.
func (s *Store) readRow(ctx context.Context, query string, args ...any) rowScanner {
	s.reads.Add(1)
	st, err := s.prepared(ctx, s.read, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// readRows runs a query on the read pool with a cached statement.
func (s *Store) readRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s.reads.Add(1)
	st, err := s.prepared(ctx, s.read, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	return rows, s.wrap(err)
}

var _ store.Store = (*Store)(nil)

// Activity counts the statements and commits sent to the database since
// the store opened (a write outside a transaction is its own commit).
func (s *Store) Activity() store.Activity {
	return store.Activity{Reads: s.reads.Load(), Writes: s.writes.Load(), Commits: s.commits.Load()}
}

// DiskFullHold is how long after a write failed for want of disk space
// Ping still reports the store unavailable. Remembering costs nothing per
// probe, where a write probe would cost a commit each time and could pass
// on a full disk anyway (SQLite reuses its log's space). Past the hold,
// a load balancer sends writes again: if the disk is still full the
// first of them answers 503 and starts a new hold; if not, the node is
// back, with no one having to act.
const DiskFullHold = 10 * time.Second

// Ping checks the database answers, and that no write failed for want of
// disk space within DiskFullHold.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.wrap(s.read.PingContext(ctx)); err != nil {
		return err
	}
	if at := s.diskFullAt.Load(); at != 0 {
		if ago := time.Since(time.Unix(0, at)); ago < DiskFullHold {
			return fmt.Errorf("%w: a write found the disk full %v ago", store.ErrUnavailable, ago.Round(time.Millisecond))
		}
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.stopBatcher()
	s.stopMaintenance()
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// q rebinds a statement for the dialect.
func (s *Store) q(query string) string {
	if !s.dialect.NumberedPlaceholders {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wrap maps driver errors onto the store's sentinels.
func (s *Store) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case s.dialect.IsUnique(err):
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case s.dialect.IsFull != nil && s.dialect.IsFull(err):
		// Not the request's fault, and over once space returns: a 503
		// the client retries, not a 500.
		s.diskFullAt.Store(time.Now().UnixNano())
		return fmt.Errorf("%w: the disk is full: %v", store.ErrUnavailable, err)
	case s.dialect.IsUnavailable(err), errors.Is(err, context.DeadlineExceeded):
		// A deadline here is the caller's budget running out on a database
		// that does not answer: unavailable too.
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}

// execer is satisfied by *sql.DB and *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmt returns the cached statement for query, bound to tx when there is
// one. Inside a transaction the write pool's statement is reused: the
// driver keeps it prepared per connection, where a plain tx.ExecContext
// parsed the SQL again on every call (a third of a group commit's time).
func (s *Store) stmt(ctx context.Context, db execer, query string) (*sql.Stmt, error) {
	switch db := db.(type) {
	case *sql.DB:
		return s.prepared(ctx, db, query)
	case *sql.Tx:
		if st, ok := s.stmts.Load(stmtKey{s.write, query}); ok {
			return db.StmtContext(ctx, st.(*sql.Stmt)), nil
		}
		s.prepareLater(query)
		return db.PrepareContext(ctx, s.q(query))
	}
	return nil, fmt.Errorf("sqlstore: cannot prepare on %T", db)
}

// prepareLater caches query's statement on the write pool once a
// connection is free. Preparing it now could wait forever: SQLite's write
// pool has one connection, and the transaction asking holds it.
func (s *Store) prepareLater(query string) {
	if _, busy := s.preparing.LoadOrStore(query, true); busy {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.prepared(ctx, s.write, query); err != nil {
			s.preparing.Delete(query) // try again on a later use
		}
	}()
}

// txRow runs a single-row query inside tx with a cached statement.
func (s *Store) txRow(ctx context.Context, tx *sql.Tx, query string, args ...any) rowScanner {
	s.reads.Add(1)
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) exec(ctx context.Context, db execer, query string, args ...any) (int64, error) {
	s.writes.Add(1)
	st, err := s.stmt(ctx, db, query)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if db == execer(s.write) {
		s.commits.Add(1) // its own commit; a transaction counts at its COMMIT
	}
	if err != nil {
		return 0, s.wrap(err)
	}
	n, err := res.RowsAffected()
	return n, s.wrap(err)
}

// maxAttempts bounds retries of a transaction that lost a serialization
// race (PostgreSQL SQLSTATE 40001; CockroachDB asks clients to retry).
const maxAttempts = 5

// tx runs fn in a write transaction, retrying serialization failures. An
// error from fn rolls back and is returned as is.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err = s.tryTx(ctx, fn); err == nil || !s.dialect.IsRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, s.dialect.WriteTx)
	if err != nil {
		return s.wrap(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return s.commit(tx)
}

// commit commits tx and counts it for Maintain.
func (s *Store) commit(tx *sql.Tx) error {
	err := tx.Commit()
	s.commits.Add(1)
	return s.wrap(err)
}

// Times are stored as microseconds since the epoch; the zero time as NULL.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromTS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// bytesOrNil keeps nil hashes NULL (unique indexes ignore NULLs).
func bytesOrNil(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
