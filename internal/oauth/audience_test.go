package oauth

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestOwnEndpointsAcceptOnlyTheirAudience: where Registrar itself is the
// resource (userinfo, registration), an access token is accepted only when
// its aud includes the issuer, as it does when no resource was asked for
// (RFC 9068 §4, RFC 8707 §2). A token asked for an API is refused; userinfo
// says so with 401 invalid_token and a Bearer challenge (RFC 6750 §3.1).
func TestOwnEndpointsAcceptOnlyTheirAudience(t *testing.T) {
	ctx := context.Background()
	st, ws, now := testStore(t)
	ws.Settings.AccessTokenFormat = workspace.FormatOpaque
	s := &Service{
		Source:  clock.Source{Now: func() time.Time { return now }},
		Store:   st,
		Hasher:  secret.NewHasher([]byte("a pepper of thirty-two bytes!!!!")),
		BaseURL: "https://registrar.test",
	}
	const api = "https://api.example.com"
	issuer := s.Issuer(ws)
	for _, tc := range []struct {
		name     string
		audience []string
		want     error
	}{
		{"asked for no resource", []string{issuer}, nil},
		{"asked for this issuer among others", []string{api, issuer}, nil},
		{"asked for another resource", []string{api}, ErrForeignAudience},
	} {
		t.Run(tc.name, func(t *testing.T) {
			value := "token-" + tc.name
			rec := store.Token{
				Workspace: ws.Name, ID: tc.name, Kind: store.KindAccess, Format: workspace.FormatOpaque,
				Hash: s.Hasher.Hash(secret.PurposeAccessToken, value), ClientID: "c", Subject: "c",
				Scope: "openid dcr", Audience: tc.audience, GrantID: tc.name, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
			}
			if err := st.CreateToken(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if _, err := s.VerifyAccessToken(ctx, ws, value); !errors.Is(err, tc.want) {
				t.Fatalf("VerifyAccessToken: %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				return
			}
			_, err := s.UserInfo(ctx, ws, value)
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidToken || oe.Status != 401 || oe.Challenge == "" {
				t.Fatalf("userinfo with a token for %v: %v; want 401 invalid_token with a challenge", tc.audience, err)
			}
		})
	}
}

// testStore is a SQLite store for one test, and workspace "w" (not yet
// stored) as of now.
func testStore(t testing.TB) (*sqlstore.Store, workspace.Workspace, time.Time) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "registrar.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return st, workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings(), CreatedAt: now, UpdatedAt: now}, now
}
