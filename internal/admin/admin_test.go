package admin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// fixture is a Service on a real SQLite store, with a clock tests move.
type fixture struct {
	t   *testing.T
	ctx context.Context
	svc *Service
	st  store.Store
	now time.Time
}

func newFixture(t *testing.T, settings workspace.Settings) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "registrar.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, ctx: ctx, st: st, now: time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)}
	err = st.CreateWorkspace(ctx, workspace.Workspace{Name: workspace.DefaultName, Settings: settings, CreatedAt: f.now, UpdatedAt: f.now})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = &Service{
		Source: clock.Source{Now: func() time.Time { return f.now }},
		Store:  st,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)),
	}
	return f
}

// wantKind fails unless err is a refusal of that kind.
func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, kind) {
		t.Errorf("%s: err = %v; want an admin refusal of kind %v", what, err, kind)
	}
}

// TestUnknownWorkspace: every action names the workspace that is not
// there, as not found, rather than acting on nothing.
func TestUnknownWorkspace(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	ctx, s := f.ctx, f.svc
	_, errCreate := s.CreateClient(ctx, NewClient{Workspace: "nope", Metadata: clientCredentials("")})
	_, errClients := s.Clients(ctx, "nope")
	_, errClient := s.Client(ctx, "nope", "x")
	_, errIAT := s.CreateInitialAccessToken(ctx, NewInitialAccessToken{Workspace: "nope", TTL: time.Hour})
	_, errIATs := s.InitialAccessTokens(ctx, "nope")
	_, errUsers := s.Users(ctx, "nope")
	_, errKeys := s.Keys(ctx, "nope")
	_, errAudit := s.AuditEvents(ctx, "nope", 0)
	for what, err := range map[string]error{
		"CreateClient": errCreate, "Clients": errClients, "Client": errClient, "DeleteClient": s.DeleteClient(ctx, "nope", "x"),
		"CreateInitialAccessToken": errIAT, "InitialAccessTokens": errIATs, "RevokeInitialAccessToken": s.RevokeInitialAccessToken(ctx, "nope", "x"),
		"Users": errUsers, "DeleteUser": s.DeleteUser(ctx, "nope", "alice"), "Keys": errKeys, "AuditEvents": errAudit,
	} {
		wantKind(t, what, err, ErrNotFound)
		if err != nil && err.Error() != `workspace "nope" does not exist: declare it in the YAML configuration, or create it through the admin API (POST /admin/api/v1/workspaces)` {
			t.Errorf("%s: %v", what, err)
		}
	}
}
