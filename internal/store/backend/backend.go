// Package backend opens the store named by a DSN: "sqlite:PATH" (the
// embedded default) or "postgres://…". Opening runs the embedded migrations.
package backend

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/store"
)

// Open opens and migrates the store named by dsn.
func Open(ctx context.Context, dsn string) (store.Store, error) { return nil, errors.New("TODO") }
