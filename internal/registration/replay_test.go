package registration

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// lateReplays is the store as a request sent alongside another with the
// same Idempotency-Key sees it: its first look for the key comes before
// the other commits.
type lateReplays struct {
	Store
	misses int
}

func (s *lateReplays) Replay(ctx context.Context, ws string, keyHash []byte, now time.Time) (store.Replay, error) {
	if s.misses > 0 {
		s.misses--
		return store.Replay{}, store.ErrNotFound
	}
	return s.Store.Replay(ctx, ws, keyHash, now)
}

// replayFixture is a fixture whose Service keeps answers, and whose store
// can hide the next kept answer from the first look.
func replayFixture(t *testing.T, uses int) (*fixture, *lateReplays) {
	f := newFixture(t)
	sealer, err := masterkey.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	late := &lateReplays{Store: f.store}
	f.svc.Store, f.svc.Replays = late, sealer
	f.iat(t, "iat1", "v1", func(t *store.InitialAccessToken) { t.MaxUses = uses })
	return f, late
}

func sameAnswer(t *testing.T, got, want Response) {
	t.Helper()
	for _, k := range []string{"client_id", "client_secret", "registration_access_token"} {
		if got[k] != want[k] {
			t.Fatalf("%s %v; want the first answer's %v", k, got[k], want[k])
		}
	}
}

// registerAndRetryAlongside registers with an Idempotency-Key, then
// retries as a request sent alongside the first would (its first look
// missing the kept answer), and checks both got the same answer.
func registerAndRetryAlongside(t *testing.T, f *fixture, late *lateReplays) {
	t.Helper()
	req := Request{Bearer: "v1", Body: []byte(goodBody), IdempotencyKey: "k"}
	first, err := f.svc.Register(context.Background(), f.ws, req)
	if err != nil {
		t.Fatal(err)
	}
	late.misses = 1
	again, err := f.svc.Register(context.Background(), f.ws, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameAnswer(t, again, first)
}

// TestReplayAfterTheCredentialWasSpent: a retry sent alongside the first
// request misses the kept answer, then finds its single-use token spent:
// it gets the first answer, not 401.
func TestReplayAfterTheCredentialWasSpent(t *testing.T) {
	f, late := replayFixture(t, 1)
	registerAndRetryAlongside(t, f, late)
}

// TestReplayWhenTheKeyWasTaken: with a token good for more uses the retry
// gets as far as storing, where the key is taken: it gets the first
// answer, and spends no use of the token.
func TestReplayWhenTheKeyWasTaken(t *testing.T) {
	f, late := replayFixture(t, 3)
	registerAndRetryAlongside(t, f, late)
	if n := f.clients(t); n != 1 {
		t.Errorf("%d clients; want 1", n)
	}
	if got, _ := f.store.InitialAccessTokenByHash(context.Background(), f.ws.Name, f.svc.Hasher.Hash(secret.PurposeInitialAccessToken, "v1")); got.Uses != 1 {
		t.Errorf("the token was used %d times; want 1", got.Uses)
	}
}

// TestReusedKeyRefusedFirst: a key reused for another request is refused
// 422 as such, before the new request is judged (here metadata that would
// be refused on its own).
func TestReusedKeyRefusedFirst(t *testing.T) {
	f, _ := replayFixture(t, 3)
	if _, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "v1", Body: []byte(goodBody), IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "v1", Body: []byte(`{"redirect_uris":["not a URI"]}`), IdempotencyKey: "k"})
	if oe := wantCode(t, err, oautherr.InvalidRequest); oe.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d; want 422", oe.Status)
	}
}

// TestOpenModeKeepsNoAnswer: in open mode no credential binds a retry to
// the first request, so an Idempotency-Key replays nothing: the same key
// and body get a new client, never the first one's secret.
func TestOpenModeKeepsNoAnswer(t *testing.T) {
	f, _ := replayFixture(t, 1)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	req := Request{Body: []byte(goodBody), IdempotencyKey: "k"}
	first, err := f.svc.Register(context.Background(), f.ws, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Register(context.Background(), f.ws, req)
	if err != nil {
		t.Fatal(err)
	}
	if again["client_id"] == first["client_id"] || again["client_secret"] == first["client_secret"] {
		t.Fatalf("open mode replayed the first answer to a stranger: %v", again["client_id"])
	}
}

// TestUnreadableReplayIsRefused: a kept answer that no longer opens (the
// master key changed) is a 422 telling the client to use a new key, not a
// 500 on every retry for a day.
func TestUnreadableReplayIsRefused(t *testing.T) {
	f, _ := replayFixture(t, 2)
	req := Request{Bearer: "v1", Body: []byte(goodBody), IdempotencyKey: "k"}
	if _, err := f.svc.Register(context.Background(), f.ws, req); err != nil {
		t.Fatal(err)
	}
	other, err := masterkey.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Replays = other
	_, err = f.svc.Register(context.Background(), f.ws, req)
	wantCode(t, err, oautherr.InvalidRequest)
	var oe *oautherr.Error
	if errors.As(err, &oe); oe.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", oe.Status)
	}
}
