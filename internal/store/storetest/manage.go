package storetest

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// manageEvent is an accepted audit event of client c1.
func manageEvent(id, action string) store.AuditEvent {
	return store.AuditEvent{Workspace: "w", ID: id, At: t0, Action: action, Outcome: "accepted", ClientID: "c1", Credential: "registration_access_token"}
}

// auditActions lists the actions of ws's events, newest first.
func auditActions(t *testing.T, s store.Store) []string {
	t.Helper()
	evs, err := s.ListAuditEvents(ctx, "w", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// testManageClient: ManageClient commits what its callback decides with
// the callback's audit event, and nothing at all when the callback fails.
// The previous registration token round-trips.
func testManageClient(t *testing.T, s store.Store) {
	c := sampleClient("w", "c1")
	c.PreviousRegistrationTokenHash, c.PreviousRegistrationTokenExpiresAt = []byte{8, 8}, t0.Add(10*time.Minute)
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, sampleToken("t1", []byte("h1"))); err != nil {
		t.Fatal(err)
	}
	got, err := s.ManageClient(ctx, "w", "c1", func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
		cl.Metadata.ClientName = "not written"
		return store.ClientUnchanged, manageEvent("e1", "read"), nil
	})
	if err != nil || got.Version != 1 {
		t.Fatalf("unchanged: version %d, %v", got.Version, err)
	}
	boom := errors.New("boom")
	if _, err := s.ManageClient(ctx, "w", "c1", func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
		cl.RegistrationTokenHash = []byte{7}
		return store.ClientUpdated, manageEvent("e-never", "update"), boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a failing callback: %v", err)
	}
	if read, _ := s.ClientByID(ctx, "w", "c1"); !cmp.Equal(c, read) {
		t.Fatalf("a callback's edit was written:\n%s", cmp.Diff(c, read))
	}
	got, err = s.ManageClient(ctx, "w", "c1", func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
		cl.PreviousRegistrationTokenHash, cl.PreviousRegistrationTokenExpiresAt = cl.RegistrationTokenHash, t0.Add(time.Hour)
		cl.RegistrationTokenHash = []byte{7}
		return store.ClientUpdated, manageEvent("e2", "update"), nil
	})
	read, _ := s.ClientByID(ctx, "w", "c1")
	if err != nil || got.Version != 2 || !cmp.Equal(got, read) || !bytes.Equal(read.PreviousRegistrationTokenHash, []byte{9, 9}) ||
		!read.PreviousRegistrationTokenExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("updated: %v, returned %+v, stored %+v", err, got, read)
	}
	if _, err := s.ManageClient(ctx, "w", "c1", func(*client.Client) (store.ClientChange, store.AuditEvent, error) {
		return store.ClientDeleted, manageEvent("e3", "delete"), nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClientByID(ctx, "w", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted client: %v", err)
	}
	if _, err := s.TokenByID(ctx, "w", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a token of a client deleted through ManageClient survived")
	}
	if _, err := s.ManageClient(ctx, "w", "c1", func(*client.Client) (store.ClientChange, store.AuditEvent, error) {
		t.Error("the callback ran for a missing client")
		return store.ClientUnchanged, store.AuditEvent{}, nil
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing client: %v", err)
	}
	if got, want := auditActions(t, s), []string{"delete", "update", "read"}; !cmp.Equal(got, want) {
		t.Fatalf("audit events %v, want %v", got, want)
	}
}

// testManageDeleteRacesRotation: calls presenting the same registration
// token race to rotate it or to delete the client; exactly one acts, on
// every backend (under READ COMMITTED a delete not conditional on the
// client it checked would remove a client whose token was just rotated).
func testManageDeleteRacesRotation(t *testing.T, s store.Store) {
	for round := 0; round < 10; round++ {
		id := fmt.Sprintf("c%d", round)
		if err := s.CreateClient(ctx, sampleClient("w", id)); err != nil {
			t.Fatal(err)
		}
		deleted := 0
		ok, errs := race(8, func(i int) error {
			_, err := s.ManageClient(ctx, "w", id, func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
				if !bytes.Equal(cl.RegistrationTokenHash, []byte{9, 9}) {
					return store.ClientUnchanged, store.AuditEvent{}, errors.New("token rotated out")
				}
				if i%2 == 0 {
					return store.ClientDeleted, store.AuditEvent{}, nil
				}
				cl.RegistrationTokenHash = []byte{byte(i)}
				return store.ClientUpdated, store.AuditEvent{}, nil
			})
			return err
		})
		if _, err := s.ClientByID(ctx, "w", id); errors.Is(err, store.ErrNotFound) {
			deleted = 1
		}
		if ok != 1 {
			t.Fatalf("round %d: %d calls acted with one token (client deleted: %d); errors %v", round, ok, deleted, errs)
		}
	}
}

// testDeleteBesideRotation (PostgreSQL): a delete has checked the token
// and waits, at its DELETE, on the row a rotation holds; the rotation
// commits. The delete must then find the client changed (ErrConflict)
// and leave it, rather than delete a client whose token it no longer
// holds.
func testDeleteBesideRotation(t *testing.T, s store.Store, db *sql.DB) {
	if err := s.CreateClient(ctx, sampleClient("w", "c1")); err != nil {
		t.Fatal(err)
	}
	b := block(t, db, `UPDATE clients SET registration_token_hash = '\x07', version = version + 1 WHERE workspace = 'w' AND id = 'c1'`)
	del := async(func() error {
		_, err := s.ManageClient(ctx, "w", "c1", func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
			if !bytes.Equal(cl.RegistrationTokenHash, []byte{9, 9}) {
				return store.ClientUnchanged, store.AuditEvent{}, errors.New("the delete read the rotated client")
			}
			return store.ClientDeleted, store.AuditEvent{}, nil
		})
		return err
	})
	if err, returned := b.waitFor(1, del); returned {
		t.Fatalf("the delete was not held by the rotation: %v", err)
	}
	if err := b.tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-del; !errors.Is(err, store.ErrConflict) {
		t.Fatalf("the delete after a rotation it did not see: %v, want ErrConflict", err)
	}
	if _, err := s.ClientByID(ctx, "w", "c1"); err != nil {
		t.Fatalf("the rotated client was deleted: %v", err)
	}
}
