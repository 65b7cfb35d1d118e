package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
)

// MigrationState is one migration the binary embeds, and when the store
// applied it (zero: not yet, the next start applies it).
type MigrationState struct {
	Version   int64     `json:"version"`
	Name      string    `json:"name"`
	AppliedAt time.Time `json:"applied_at,omitzero"`
}

// Migrations is what `registrar migrate status` reports.
type Migrations struct {
	States []MigrationState `json:"migrations"`
	// StoreVersion is the newest migration the store has applied, which
	// is past the newest one listed when a newer binary migrated it.
	StoreVersion int64 `json:"store_version"`
}

// versionTable is goose's record of applied migrations.
const versionTable = "goose_db_version"

// ReadMigrations reports which of the migrations in embedded (under its
// "migrations" directory) the database driver opens at dsn has applied.
// It applies none and creates nothing: goose's own status would create
// its version table in a database that lacks it, so tableExists, a query
// for the number of tables named $1 in the dialect's catalog, is asked
// first, and a database without the table has applied nothing.
func ReadMigrations(ctx context.Context, driver, dsn string, dialect goose.Dialect, embedded fs.FS, tableExists string) (Migrations, error) {
	var out Migrations
	fsys, err := fs.Sub(embedded, "migrations")
	if err != nil {
		return out, err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return out, err
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, tableExists, versionTable).Scan(&tables); err != nil {
		return out, err
	}
	p, err := goose.NewProvider(dialect, db, fsys)
	if err != nil {
		return out, err
	}
	if tables == 0 {
		for _, s := range p.ListSources() {
			out.States = append(out.States, MigrationState{Version: s.Version, Name: s.Path})
		}
		return out, nil
	}
	states, err := p.Status(ctx)
	if err != nil {
		return out, fmt.Errorf("migration status: %w", err)
	}
	for _, s := range states {
		m := MigrationState{Version: s.Source.Version, Name: s.Source.Path}
		if s.State == goose.StateApplied {
			m.AppliedAt = s.AppliedAt
		}
		out.States = append(out.States, m)
	}
	var newest sql.NullInt64
	err = db.QueryRowContext(ctx, "SELECT MAX(version_id) FROM "+versionTable+" WHERE is_applied").Scan(&newest)
	out.StoreVersion = newest.Int64
	return out, err
}
