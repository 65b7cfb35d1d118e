package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// testAuditPrunedBefore: retention deletes the events of every workspace
// recorded strictly before the cutoff, and only those.
func testAuditPrunedBefore(t *testing.T, s store.Store) {
	for i, ws := range []string{"w", "w", "w", "v", "v"} {
		at := t0.Add(time.Duration(i%3-2) * time.Hour) // -2h, -1h, 0, -2h, -1h
		if err := s.AddAuditEvent(ctx, store.AuditEvent{Workspace: ws, ID: fmt.Sprint(i), At: at, Action: "read", Outcome: "denied"}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteAuditEventsBefore(ctx, t0.Add(-time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("deleted %d (%v), want the 2 events older than the cutoff", n, err)
	}
	for ws, want := range map[string][]string{"w": {"2", "1"}, "v": {"4"}} {
		got, _ := s.ListAuditEvents(ctx, ws, 0)
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s keeps %v, want %v (an event at the cutoff stays)", ws, ids, want)
		}
	}
}

// testClientQuota: a registration into a workspace holding maxClients
// clients is refused with ErrLimitReached and writes nothing (no client,
// no credential use, no audit event); other workspaces and no quota are
// unaffected.
func testClientQuota(t *testing.T, s store.Store) {
	iat := store.InitialAccessToken{Workspace: "w", ID: "iat1", Hash: []byte("ih"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateInitialAccessToken(ctx, iat); err != nil {
		t.Fatal(err)
	}
	use := store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: "iat1", At: t0}
	register := func(ws, id string, max int) error {
		return s.RegisterClient(ctx, sampleClient(ws, id), use, store.AuditEvent{Workspace: ws, ID: id, At: t0, Action: "register", Outcome: "accepted"}, max)
	}
	if err := s.CreateClient(ctx, sampleClient("w", "operator-made")); err != nil {
		t.Fatal(err)
	}
	if err := register("w", "c1", 2); err != nil {
		t.Fatalf("second client of a quota of 2: %v", err)
	}
	if err := register("w", "c2", 2); !errors.Is(err, store.ErrLimitReached) {
		t.Fatalf("third client of a quota of 2: %v, want ErrLimitReached", err)
	}
	if n, _ := s.CountClients(ctx, "w"); n != 2 {
		t.Errorf("%d clients stored, want 2", n)
	}
	if got, _ := s.InitialAccessTokenByHash(ctx, "w", []byte("ih")); got.Uses != 1 {
		t.Errorf("the refused registration spent a use: %d uses, want 1", got.Uses)
	}
	if events, _ := s.ListAuditEvents(ctx, "w", 0); len(events) != 1 {
		t.Errorf("%d events, want only the accepted registration's", len(events))
	}
	if err := register("w", "c3", 0); err != nil {
		t.Errorf("no quota: %v", err)
	}
	open := store.AuditEvent{Workspace: "v", ID: "c1", At: t0, Action: "register", Outcome: "accepted"}
	if err := s.RegisterClient(ctx, sampleClient("v", "c1"), store.CredentialUse{}, open, 1); err != nil {
		t.Errorf("another workspace's quota counts w's clients: %v", err)
	}
}

// testUnusedClientsExpire: only dynamically registered clients of the
// workspace, issued before the cutoff and never marked used, are deleted,
// with what was issued to them; the first mark is the one kept.
func testUnusedClientsExpire(t *testing.T, s store.Store) {
	mk := func(ws, id, origin string, issued time.Time) {
		c := sampleClient(ws, id)
		c.Provenance.Origin, c.IssuedAt = origin, issued
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	old, cutoff := t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)
	mk("w", "unused", client.OriginDCR, old)
	mk("w", "used", client.OriginDCR, old)
	mk("w", "recent", client.OriginDCR, t0)
	mk("w", "operator", client.OriginCLI, old)
	mk("v", "unused", client.OriginDCR, old)
	tok := sampleToken("t-unused", []byte("tu"))
	tok.Workspace, tok.ClientID = "w", "unused"
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t0, t0.Add(time.Hour)} {
		if err := s.MarkClientUsed(ctx, "w", "used", at); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := s.ClientByID(ctx, "w", "used"); !c.FirstTokenAt.Equal(t0) {
		t.Errorf("FirstTokenAt %v, want the first mark %v", c.FirstTokenAt, t0)
	}
	n, err := s.DeleteUnusedClients(ctx, "w", cutoff)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d (%v), want 1", n, err)
	}
	if _, err := s.ClientByID(ctx, "w", "unused"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the unused client is still there: %v", err)
	}
	if _, err := s.TokenByID(ctx, "w", "t-unused"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted client's token record is left: %v", err)
	}
	for _, k := range [][2]string{{"w", "used"}, {"w", "recent"}, {"w", "operator"}, {"v", "unused"}} {
		if _, err := s.ClientByID(ctx, k[0], k[1]); err != nil {
			t.Errorf("%s/%s was deleted: %v", k[0], k[1], err)
		}
	}
}
