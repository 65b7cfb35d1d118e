// Package backend opens the store named by a DSN: "sqlite:PATH" (the
// embedded default) or "postgres://…". Opening runs the embedded migrations.
package backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/postgres"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
)

// Open opens and migrates the store named by dsn.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if path == "" {
			return nil, fmt.Errorf("db %q: name a file, e.g. sqlite:registrar.db", dsn)
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("db %q: use sqlite:PATH or postgres://user:password@host/db", dsn)
}
