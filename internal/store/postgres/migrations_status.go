package postgres

import (
	"context"

	"github.com/pressly/goose/v3"

	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// ReadMigrations reports which migrations the database at dsn has
// applied, applying none and creating nothing.
func ReadMigrations(ctx context.Context, dsn string) (sqlstore.Migrations, error) {
	return sqlstore.ReadMigrations(ctx, "pgx", dsn, goose.DialectPostgres, migrations,
		"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1")
}
