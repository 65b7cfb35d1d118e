package admin

import (
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestInitialAccessTokensFollowTheClock: the injected clock sets when a
// token was made, when it expires, its status and when it was revoked.
func TestInitialAccessTokensFollowTheClock(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	now := f.now.Truncate(time.Microsecond)
	iat, err := f.svc.CreateInitialAccessToken(f.ctx, NewInitialAccessToken{Workspace: workspace.DefaultName, MaxUses: 2, TTL: time.Hour, Description: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if !iat.CreatedAt.Equal(now) || !iat.ExpiresAt.Equal(now.Add(time.Hour)) || iat.Status != store.IATActive || iat.Token == "" {
		t.Fatalf("created %+v", iat)
	}
	stored, err := f.st.InitialAccessTokenByHash(f.ctx, workspace.DefaultName, f.svc.Hasher.Hash(secret.PurposeInitialAccessToken, iat.Token))
	if err != nil || stored.ID != iat.ID {
		t.Fatalf("the token is not stored under its hash: %+v, %v", stored, err)
	}

	f.now = f.now.Add(2 * time.Hour)
	list, err := f.svc.InitialAccessTokens(f.ctx, workspace.DefaultName)
	if err != nil || len(list) != 1 || list[0].Status != store.IATExpired || list[0].Token != "" {
		t.Fatalf("two hours later: %+v, %v; want it expired, its value not shown", list, err)
	}
	if err := f.svc.RevokeInitialAccessToken(f.ctx, workspace.DefaultName, iat.ID); err != nil {
		t.Fatal(err)
	}
	list, _ = f.svc.InitialAccessTokens(f.ctx, workspace.DefaultName)
	if list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(f.now.Truncate(time.Microsecond)) || list[0].Status != store.IATRevoked {
		t.Fatalf("revoked: %+v", list[0])
	}
	wantKind(t, "revoke absent", f.svc.RevokeInitialAccessToken(f.ctx, workspace.DefaultName, "absent"), ErrNotFound)
}

func TestInitialAccessTokenRefusals(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	for _, req := range []NewInitialAccessToken{
		{Workspace: workspace.DefaultName, MaxUses: -1, TTL: time.Hour},
		{Workspace: workspace.DefaultName, TTL: 0},
	} {
		_, err := f.svc.CreateInitialAccessToken(f.ctx, req)
		wantKind(t, "invalid request", err, ErrInvalid)
	}
	if list, _ := f.svc.InitialAccessTokens(f.ctx, workspace.DefaultName); len(list) != 0 {
		t.Fatalf("refused requests stored %v", list)
	}
}
