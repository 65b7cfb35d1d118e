// Package postgres is the store for several nodes: PostgreSQL through
// pgx's database/sql driver. The statements live in
// internal/store/sqlstore and keep to SQL that PostgreSQL-compatible
// distributed engines also run; serialization failures (SQLSTATE 40001)
// are retried there.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// unavailable: the server cannot be reached or is shutting down. The pool
// drops broken connections and dials again on the next request, so the
// node recovers by itself when the database returns.
func unavailable(err error) bool {
	code := pgCode(err)
	if code != "" {
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "connection refused")
}

var dialect = sqlstore.Dialect{
	NumberedPlaceholders: true,
	IsUnique:             func(err error) bool { return pgCode(err) == "23505" },
	IsRetryable:          func(err error) bool { c := pgCode(err); return c == "40001" || c == "40P01" },
	IsUnavailable:        unavailable,
	IsFull:               func(err error) bool { return pgCode(err) == "53100" }, // disk_full
	ShareLock:            " FOR SHARE",
	WriteTx:              &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	// Two committers for the browser flow's writes: in same-run pairs on
	// code-flow they won 10 of 12 (+11 % on the sum of ten pairs, +50 %
	// and +110 % in two more), at twice the commits per flow; on a quiet
	// machine about even. Three were no better than two.
	GroupCommits: 2,
}

// ErrUnreachable wraps a failure to reach the database (refused, timed
// out, shutting down), as opposed to an answer that refuses (a wrong
// password), which trying again will not change.
var ErrUnreachable = errors.New("database unreachable")

// Open connects to dsn and migrates. The first connection, which tells
// whether the database answers (an error wrapping ErrUnreachable when it
// could not be reached), stays in the pool for the store.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if unavailable(err) {
			return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, db, dialect), nil
}

// migrate runs under a session lock so several nodes starting together
// apply each migration once.
func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	return nil
}
