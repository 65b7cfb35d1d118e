package postgres

import (
	"context"
	"database/sql"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// ReadMigrations reports which migrations the database at dsn has
// applied, applying none and creating nothing.
func ReadMigrations(ctx context.Context, dsn string) (sqlstore.Migrations, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return sqlstore.Migrations{}, err
	}
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return sqlstore.Migrations{}, err
	}
	return sqlstore.ReadMigrations(ctx, db, goose.DialectPostgres, sub,
		"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1")
}
