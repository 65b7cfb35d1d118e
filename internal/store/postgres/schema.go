package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// TempSchema creates an empty schema, named prefix and a random suffix, in
// the database dsn names. It returns dsn with its search_path set to that
// schema, so that a store opened on it keeps every table there, and drop,
// which removes the schema and all it holds. prefix must be a lowercase
// SQL identifier.
func TempSchema(ctx context.Context, dsn, prefix string) (schemaDSN string, drop func(context.Context) error, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("db: %w", err)
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := prefix + hex.EncodeToString(suffix)
	name := pgx.Identifier{schema}.Sanitize()
	if err := execOnce(ctx, dsn, "CREATE SCHEMA "+name); err != nil {
		if pgCode(err) == "42501" { // insufficient_privilege
			return "", nil, fmt.Errorf("create schema %s: %w (the user needs CREATE on the database: GRANT CREATE ON DATABASE … TO …)", name, err)
		}
		return "", nil, fmt.Errorf("create schema %s: %w", name, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop = func(ctx context.Context) error {
		return execOnce(ctx, dsn, "DROP SCHEMA "+name+" CASCADE")
	}
	return u.String(), drop, nil
}

// execOnce runs one statement on a connection of its own.
func execOnce(ctx context.Context, dsn, statement string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, statement)
	return err
}
