package sqlite

import (
	"context"
	"os"

	"github.com/pressly/goose/v3"

	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// ReadMigrations reports which migrations the database at path has
// applied, applying none. The file must exist: opening a missing one
// would create it.
func ReadMigrations(ctx context.Context, path string) (sqlstore.Migrations, error) {
	if _, err := os.Stat(path); err != nil {
		return sqlstore.Migrations{}, err
	}
	return sqlstore.ReadMigrations(ctx, "sqlite", fileURI(path)+"?_pragma=busy_timeout(5000)", goose.DialectSQLite3, migrations,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
}
