package server

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestCollectPrunesAuditAndUnusedClients: a round of collection at a
// given instant deletes audit events past audit.retain and the DCR
// clients never issued a token past their workspace's
// registration.unused_client_ttl, and keeps the rest; with both off it
// deletes neither.
func TestCollectPrunesAuditAndUnusedClients(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		retain     workspace.Seconds
		unusedTTL  workspace.Seconds
		wantEvents int
		wantUnused bool
	}{
		{"retention and expiry on", 90 * 86400, 30 * 86400, 1, false},
		{"both off", 0, 0, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			settings := workspace.DefaultSettings()
			settings.Registration.UnusedClientTTL = tc.unusedTTL
			if err := st.CreateWorkspace(ctx, workspace.Workspace{Name: "w", Settings: settings, CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			for i, age := range []time.Duration{91 * 24 * time.Hour, 89 * 24 * time.Hour} {
				e := store.AuditEvent{Workspace: "w", ID: string(rune('a' + i)), At: now.Add(-age), Action: "read", Outcome: "denied"}
				if err := st.AddAuditEvent(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"unused", "used"} {
				c := client.Client{Workspace: "w", ID: id, IssuedAt: now.Add(-31 * 24 * time.Hour), UpdatedAt: now, Version: 1,
					Provenance: client.Provenance{Origin: client.OriginDCR}}
				if err := st.CreateClient(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			st.MarkClientUsed(ctx, "w", "used", now.Add(-30*24*time.Hour))
			cfg := config.Default()
			cfg.Audit.Retain = tc.retain
			srv := &Server{env: &Env{Config: cfg, Store: st}, log: slog.New(slog.DiscardHandler)}

			srv.collect(ctx, now)

			if events, _ := st.ListAuditEvents(ctx, "w", 0); len(events) != tc.wantEvents {
				t.Errorf("%d audit events kept, want %d", len(events), tc.wantEvents)
			}
			if _, err := st.ClientByID(ctx, "w", "unused"); (err == nil) != tc.wantUnused || (err != nil && !errors.Is(err, store.ErrNotFound)) {
				t.Errorf("unused client: %v, want kept=%v", err, tc.wantUnused)
			}
			if _, err := st.ClientByID(ctx, "w", "used"); err != nil {
				t.Errorf("the used client was deleted: %v", err)
			}
		})
	}
}
