package postgres

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/storetest"
)

// TestConformance runs the suite against REGISTRAR_TEST_POSTGRES_DSN (make
// test starts a throw-away server), each case in a fresh schema. Without a
// DSN it skips in a bare `go test` but fails under CI or make test
// (REGISTRAR_TEST_STRICT), so a broken set-up cannot pass.
func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), FreshSchema(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// testDSN is REGISTRAR_TEST_POSTGRES_DSN, or a skip in a bare `go test`
// and a failure under CI or make test (REGISTRAR_TEST_STRICT).
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" || os.Getenv("REGISTRAR_TEST_STRICT") != "" {
			t.Fatal("REGISTRAR_TEST_POSTGRES_DSN is not set under CI / make test")
		}
		t.Skip("REGISTRAR_TEST_POSTGRES_DSN not set; make test sets it")
	}
	return dsn
}

// TestTokenJoinMatchesSchema: see storetest.CheckTokenJoin.
func TestTokenJoinMatchesSchema(t *testing.T) {
	dsn := FreshSchema(t, testDSN(t))
	s, err := Open(context.Background(), dsn) // migrates
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.CheckTokenJoin(t, db, `SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'tokens'`)
}

// FreshSchema creates an empty schema, drops it at cleanup, and returns dsn
// pointed at it.
func FreshSchema(t testing.TB, dsn string) string {
	t.Helper()
	schemaDSN, drop, err := TempSchema(context.Background(), dsn, "t_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drop(context.Background()) })
	return schemaDSN
}

// TestRaces: see storetest.RunPostgresRaces.
func TestRaces(t *testing.T) {
	dsn := testDSN(t)
	storetest.RunPostgresRaces(t, func(t *testing.T) (store.Store, *sql.DB, func() store.Store) {
		schema := FreshSchema(t, dsn)
		node := func() store.Store {
			s, err := Open(context.Background(), schema)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		s := node()
		db, err := sql.Open("pgx", schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return s, db, node
	})
}

// TestCachedClientsFollowOtherNodes: see
// storetest.CheckCachedClientsFollowOtherNodes.
func TestCachedClientsFollowOtherNodes(t *testing.T) {
	schema := FreshSchema(t, testDSN(t))
	var nodes [2]store.Store
	for i := range nodes {
		s, err := Open(context.Background(), schema)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		nodes[i] = s
	}
	storetest.CheckCachedClientsFollowOtherNodes(t, nodes[0], nodes[1])
}

// TestDiskFullIsFull: SQLSTATE 53100 (disk_full) is the dialect's full
// disk, which the store answers as an outage.
func TestDiskFullIsFull(t *testing.T) {
	if !dialect.IsFull(&pgconn.PgError{Code: "53100"}) || dialect.IsFull(&pgconn.PgError{Code: "23505"}) {
		t.Fatal("SQLSTATE 53100 and only it is a full disk")
	}
}
