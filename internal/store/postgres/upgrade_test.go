package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/storetest"
)

// upgradeFixture holds the rows storetest.CheckUpgradeFixture reads.
//
//go:embed testdata/upgrade_fixture.sql
var upgradeFixture string

// TestUpgradeFromEachVersion: see storetest.RunUpgrades.
func TestUpgradeFromEachVersion(t *testing.T) {
	dsn := testDSN(t)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunUpgrades(t, goose.DialectPostgres, sub, upgradeFixture, func(t *testing.T) (*sql.DB, func() store.Store) {
		schema := FreshSchema(t, dsn)
		db, err := sql.Open("pgx", schema)
		if err != nil {
			t.Fatal(err)
		}
		return db, func() store.Store {
			s, err := Open(context.Background(), schema)
			if err != nil {
				t.Fatalf("opening an earlier version's database: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	})
}
