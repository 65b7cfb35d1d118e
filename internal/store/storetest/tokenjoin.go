package storetest

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// CheckTokenJoin checks how sqlstore reads the tokens table in a LEFT JOIN
// (ClientWithTokenByHash, where no token may match) against the table that
// a backend's migrations made. db has that schema; columnsQuery lists the
// table's columns as rows of (name, type as the database names it, NOT
// NULL). Every column must be read; a column read as a text literal where
// no token matched must be a NOT NULL text column: PostgreSQL refuses an
// empty text in place of a bigint, and a column that may be NULL must stay
// NULL.
func CheckTokenJoin(t *testing.T, db *sql.DB, columnsQuery string) {
	t.Helper()
	type column struct {
		typ     string
		notNull bool
	}
	schema := map[string]column{}
	rows, err := db.Query(columnsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var c column
		if err := rows.Scan(&name, &c.typ, &c.notNull); err != nil {
			t.Fatal(err)
		}
		schema[name] = c
	}
	if err := rows.Err(); err != nil || len(schema) == 0 {
		t.Fatalf("no columns of tokens in the schema: %v", err)
	}
	for _, j := range sqlstore.TokenJoinColumns() {
		c, ok := schema[j.Name]
		delete(schema, j.Name)
		switch {
		case !ok:
			t.Errorf("sqlstore reads tokens.%s, which the schema does not have", j.Name)
		case j.Coalesced && !strings.EqualFold(c.typ, "text"):
			t.Errorf("tokens.%s is %s, but the join coalesces it to the text '%s': it must be left NULL", j.Name, c.typ, j.Zero)
		case j.Coalesced && !c.notNull:
			t.Errorf("tokens.%s may be NULL, but sqlstore scans it into a string and the join coalesces it to '%s'", j.Name, j.Zero)
		}
	}
	for name := range schema {
		t.Errorf("tokens.%s is in the schema but not in sqlstore's tokenColumns: say how the join reads it", name)
	}
}
