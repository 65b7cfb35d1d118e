package admin

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/keyring"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestRotateKeys: a rotation publishes a new key per alg at once, signing
// from the JWKS max-age on; the listing shows the old keys retiring and
// the new ones next, at the service's clock.
func TestRotateKeys(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ring := keyring.New(f.st, sealer, func() time.Time { return f.now }, time.Minute)
	f.svc.KeyRing = ring
	if err := ring.EnsureKeys(f.ctx, workspace.DefaultName); err != nil {
		t.Fatal(err)
	}
	before, err := f.svc.Keys(f.ctx, workspace.DefaultName)
	if err != nil || len(before) != len(workspace.SigningAlgs) || before[0].Status != "active" {
		t.Fatalf("keys before: %+v, %v", before, err)
	}
	r, err := f.svc.RotateKeys(f.ctx, workspace.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Keys) != len(workspace.SigningAlgs) || r.SignsIn <= 0 || !r.SignsFrom.Equal(f.now.Add(r.SignsIn)) {
		t.Fatalf("rotation %+v", r)
	}
	statuses := map[string]int{}
	after, _ := f.svc.Keys(f.ctx, workspace.DefaultName)
	for _, k := range after {
		statuses[k.Status]++
	}
	if statuses["retiring"] != len(workspace.SigningAlgs) || statuses["next"] != len(workspace.SigningAlgs) {
		t.Fatalf("statuses right after the rotation: %v", statuses)
	}
	f.now = r.SignsFrom
	statuses = map[string]int{}
	after, _ = f.svc.Keys(f.ctx, workspace.DefaultName)
	for _, k := range after {
		statuses[k.Status]++
	}
	if statuses["retired"] != len(workspace.SigningAlgs) || statuses["active"] != len(workspace.SigningAlgs) {
		t.Fatalf("statuses once the new keys sign: %v", statuses)
	}
}

func TestAuditEvents(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	for i, id := range []string{"e1", "e2"} {
		e := store.AuditEvent{Workspace: workspace.DefaultName, ID: id, At: f.now.Add(time.Duration(i) * time.Second).Truncate(time.Microsecond),
			Action: "register", Outcome: "denied", Reason: "invalid_token: expired", Credential: "initial_access_token:x"}
		if err := f.st.AddAuditEvent(f.ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	events, err := f.svc.AuditEvents(f.ctx, workspace.DefaultName, 1)
	if err != nil || len(events) != 1 || events[0].ID != "e2" || events[0].Reason != "invalid_token: expired" {
		t.Fatalf("newest event: %+v, %v", events, err)
	}
}

// TestAuditFilterTakesEveryActionWritten: every action registration
// writes (a dry run, an operator's reissue included) can be filtered on.
func TestAuditFilterTakesEveryActionWritten(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	for i, action := range registration.AuditActions {
		e := store.AuditEvent{Workspace: workspace.DefaultName, ID: fmt.Sprint("e", i), At: f.now.Add(time.Duration(i) * time.Second).Truncate(time.Microsecond),
			Action: action, Outcome: "accepted"}
		if err := f.st.AddAuditEvent(f.ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for i, action := range registration.AuditActions {
		page, err := f.svc.ListAuditEvents(f.ctx, workspace.DefaultName, AuditQuery{Type: action})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != fmt.Sprint("e", i) {
			t.Errorf("filtering on %q: %+v, %v", action, page.Items, err)
		}
	}
	if _, err := f.svc.ListAuditEvents(f.ctx, workspace.DefaultName, AuditQuery{Type: "no-such-action"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an unknown type: %v", err)
	}
}
