package registration

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// rotatingFixture is a fixture whose workspace rotates the registration
// access token on read, with one client registered: its id and token.
func rotatingFixture(t *testing.T, ttl int64) (f *fixture, id, rat string) {
	t.Helper()
	f = newFixture(t)
	f.ws.Settings.Registration.RotateRegistrationToken = workspace.RotateOnReadAndUpdate
	if ttl > 0 {
		f.ws.Settings.Registration.RegistrationTokenTTL = ttl
	}
	resp := f.register(t)
	return f, resp["client_id"].(string), resp["registration_access_token"].(string)
}

// read reads the client with bearer, where reads rotate, and returns the
// token it answered, or "" when the read was refused. The clock then moves
// a second on, so that audit events keep their order.
func (f *fixture) read(t *testing.T, id, bearer string) string {
	t.Helper()
	resp, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: bearer})
	f.tick()
	if err != nil {
		wantCode(t, err, "invalid_token")
		return ""
	}
	return resp["registration_access_token"].(string)
}

// TestRotationKeepsThePreviousTokenForARetry: a rotation commits before
// its answer is sent, so an answer lost on the way must not lose the
// client its management. The token a rotation replaced keeps working for
// a retry until its successor is first used or the grace ends; of the two,
// whichever rotates first ends the other; the grace is counted from the
// first rotation, however often the old token rotates again.
func TestRotationKeepsThePreviousTokenForARetry(t *testing.T) {
	f, id, first := rotatingFixture(t, 0)
	rotated := f.now
	lost := f.read(t, id, first) // the answer never reaches the client
	if lost == "" {
		t.Fatal("the first read was refused")
	}
	f.now = rotated.Add(time.Minute)
	retried := f.read(t, id, first)
	if retried == "" || retried == lost {
		t.Fatalf("a retry with the previous token within the grace answered %q", retried)
	}
	if f.read(t, id, lost) != "" {
		t.Fatal("the lost token still works after the previous one rotated again")
	}
	f.tick()
	if err := f.svc.Delete(context.Background(), f.ws, id, Request{Bearer: first}); err == nil {
		t.Fatal("the previous token deleted the client: it may only rotate again")
	}
	f.now = rotated.Add(registrationTokenGrace - time.Second)
	if again := f.read(t, id, first); again == "" {
		t.Fatal("the previous token was refused inside the grace of its first rotation")
	} else {
		retried = again
	}
	f.now = rotated.Add(registrationTokenGrace)
	if f.read(t, id, first) != "" {
		t.Fatal("the previous token works after the grace of its first rotation, renewed by its retries")
	}
	next := f.read(t, id, retried)
	if next == "" {
		t.Fatal("the current token was refused")
	}
	if f.read(t, id, next) == "" {
		t.Fatal("the token a read answered was refused")
	}
	if f.read(t, id, retried) != "" {
		t.Fatal("a previous token works after its successor was used")
	}
	events := f.events(t)
	if ev := events[len(events)-1]; ev.Credential != labelUnmatchedBearer {
		t.Errorf("a dead token was audited as %q", ev.Credential)
	}
	if ev := events[2]; ev.Action != "read" || ev.Outcome != "accepted" || ev.Credential != credentialRegistrationToken+":previous" {
		t.Errorf("a retry with the previous token is audited %+v", ev)
	}
}

// TestPreviousTokenGraceEndsWithTheToken: the grace never outlives the
// token it keeps.
func TestPreviousTokenGraceEndsWithTheToken(t *testing.T) {
	f, id, first := rotatingFixture(t, 60)
	issued := f.now.Add(-time.Second) // f.register ticks after registering
	f.now = issued.Add(50 * time.Second)
	if f.read(t, id, first) == "" {
		t.Fatal("the first read was refused")
	}
	cl, err := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := issued.Add(60 * time.Second); !cl.PreviousRegistrationTokenExpiresAt.Equal(want) {
		t.Fatalf("the previous token is kept until %v; want its own expiry %v", cl.PreviousRegistrationTokenExpiresAt, want)
	}
	f.now = issued.Add(60 * time.Second)
	if f.read(t, id, first) != "" {
		t.Fatal("the previous token works past its own expiry")
	}
}

// TestUsingTheNewTokenRetiresThePrevious: where reads do not rotate, a
// read with the token an update answered proves its holder has it, so the
// token the update replaced stops working then, grace or not; before, that
// one may only rotate again (a PUT), not read.
func TestUsingTheNewTokenRetiresThePrevious(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id, old := resp["client_id"].(string), resp["registration_access_token"].(string)
	update := func(bearer string) (string, error) {
		f.tick()
		resp, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: bearer, Body: []byte(`{"client_id":"` + id + `","redirect_uris":["https://app.example/cb"]}`)})
		if err != nil {
			return "", err
		}
		return resp["registration_access_token"].(string), nil
	}
	lost, err := update(old)
	if err != nil {
		t.Fatal(err)
	}
	current, err := update(old)
	if err != nil {
		t.Fatalf("a retried update with the previous token: %v", err)
	}
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: lost}); err == nil {
		t.Fatal("the answer of the first update still works after the retry")
	}
	f.tick()
	if resp, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: current}); err != nil || resp["registration_access_token"] != nil {
		t.Fatalf("a read that does not rotate, with the current token: %v %v", err, resp["registration_access_token"])
	}
	cl, _ := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if cl.PreviousRegistrationTokenHash != nil {
		t.Fatal("the previous token is still stored after the current one was used")
	}
	if _, err := update(old); err == nil {
		t.Fatal("the previous token rotated after the current one was used")
	}
}

// TestHeadChangesNothing: HEAD is safe (RFC 9110 §9.2.1). It is answered
// as the GET would be, but never rotates the token, even where GET does,
// and never retires the previous one.
func TestHeadChangesNothing(t *testing.T) {
	f, id, first := rotatingFixture(t, 0)
	before, _ := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if err := f.svc.Head(context.Background(), f.ws, id, Request{Bearer: first}); err != nil {
		t.Fatalf("HEAD with the current token: %v", err)
	}
	f.tick()
	if err := f.svc.Head(context.Background(), f.ws, id, Request{Bearer: "wrong"}); err == nil {
		t.Fatal("HEAD with a wrong token was accepted")
	}
	after, _ := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if after.Version != before.Version {
		t.Fatalf("HEAD changed the client: version %d → %d", before.Version, after.Version)
	}
	f.tick()
	if f.read(t, id, first) == "" {
		t.Fatal("the token a HEAD was made with no longer reads")
	}
	if ev := f.events(t); ev[1].Action != "head" || ev[1].Outcome != "accepted" || ev[2].Action != "head" || ev[2].Outcome != "denied" {
		t.Errorf("HEAD audited as %+v, %+v", ev[1], ev[2])
	}
}

// failingAudit is a store whose separate audit writes fail.
type failingAudit struct {
	Store
	calls int
}

func (s *failingAudit) AddAuditEvent(context.Context, store.AuditEvent) error {
	s.calls++
	return errors.New("the audit table is not written on its own")
}

// TestAcceptedCallsAuditedWithTheirChange: the audit event of an accepted
// read, update or delete commits in the transaction that commits the call,
// not in a second one after it, which a crash could skip.
func TestAcceptedCallsAuditedWithTheirChange(t *testing.T) {
	f, id, rat := rotatingFixture(t, 0)
	st := &failingAudit{Store: f.store}
	f.svc.Store = st
	read, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: rat})
	if err != nil {
		t.Fatal(err)
	}
	f.tick()
	if err := f.svc.Delete(context.Background(), f.ws, id, Request{Bearer: read["registration_access_token"].(string)}); err != nil {
		t.Fatal(err)
	}
	ev := f.events(t)
	if len(ev) != 3 || ev[1].Action != "read" || ev[2].Action != "delete" || st.calls != 0 {
		t.Fatalf("events %+v, %d written apart", ev, st.calls)
	}
}
