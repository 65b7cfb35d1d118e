// Package backend opens the store named by a DSN: "sqlite:PATH" (the
// embedded default) or "postgres://…". Opening runs the embedded migrations.
package backend

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/postgres"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// SQLitePath is the file a SQLite DSN names ("sqlite:PATH" or
// "sqlite://PATH"); ok is false for a DSN of another kind. Open reads the
// DSN here, so a caller that must look at the file before opening it
// (the CLI's read-only commands, which do not create a missing one) finds
// the same file. An empty path, which Open refuses, comes back as "".
func SQLitePath(dsn string) (path string, ok bool) {
	rest, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(rest, "//"), true
}

// ErrUnreachable wraps Open's failure to reach a PostgreSQL database (as
// opposed to one that answers with a refusal).
var ErrUnreachable = postgres.ErrUnreachable

// Open opens and migrates the store named by dsn. log receives what the
// store's background work has to say (SQLite's checkpoint failures).
func Open(ctx context.Context, dsn string, log *slog.Logger) (store.Store, error) {
	if path, ok := SQLitePath(dsn); ok {
		if path == "" {
			return nil, fmt.Errorf("db %q: name a file, e.g. sqlite:registrar.db", store.RedactDSN(dsn))
		}
		return sqlite.Open(ctx, path, log)
	}
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return nil, unknownKind(dsn)
}

func unknownKind(dsn string) error {
	return fmt.Errorf("db %q: use sqlite:PATH or postgres://user:password@host/db", store.RedactDSN(dsn))
}

// IsPostgres says whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// ReadMigrations reports which migrations the store dsn names has
// applied, applying none and creating nothing (a missing SQLite file is
// an error).
func ReadMigrations(ctx context.Context, dsn string) (sqlstore.Migrations, error) {
	if path, ok := SQLitePath(dsn); ok && path != "" {
		return sqlite.ReadMigrations(ctx, path)
	}
	if IsPostgres(dsn) {
		return postgres.ReadMigrations(ctx, dsn)
	}
	return sqlstore.Migrations{}, unknownKind(dsn)
}
