package registration

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// t0 is the fixtures' now until a test moves the clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a Service over a real SQLite store (a file, in WAL mode, as
// in production) with one workspace, a clock the test moves and a token
// verifier the test answers for.
type fixture struct {
	svc    *Service
	store  *sqlstore.Store
	ws     workspace.Workspace
	now    time.Time
	tokens tokenVerifierFunc
	reg    *prometheus.Registry
}

// tokenVerifierFunc is a hand-written TokenVerifier fake.
type tokenVerifierFunc func(token string) (store.Token, error)

func (f tokenVerifierFunc) VerifyAccessToken(_ context.Context, _ workspace.Workspace, token string) (store.Token, error) {
	return f(token)
}

func (f tokenVerifierFunc) RevokeAccessToken(context.Context, workspace.Workspace, store.Token) error {
	return nil
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "registrar.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	f := &fixture{store: st, now: t0, reg: prometheus.NewRegistry()}
	f.ws = workspace.Workspace{Name: "acme", Settings: workspace.DefaultSettings(), CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWorkspace(context.Background(), f.ws); err != nil {
		tb.Fatal(err)
	}
	f.tokens = func(string) (store.Token, error) { return store.Token{}, ErrInactiveToken }
	f.svc = &Service{
		Source:  clock.Source{Now: func() time.Time { return f.now }},
		Store:   st,
		Tokens:  tokenVerifierFunc(func(token string) (store.Token, error) { return f.tokens(token) }),
		Hasher:  secret.NewHasher([]byte("a pepper of thirty-two bytes!!!!")),
		BaseURL: "https://registrar.test",
		Metrics: NewMetrics(f.reg),
	}
	return f
}

// iat stores an operator initial access token with value, shaped by edit.
func (f *fixture) iat(tb testing.TB, id, value string, edit func(*store.InitialAccessToken)) {
	tb.Helper()
	t := store.InitialAccessToken{
		Workspace: f.ws.Name, ID: id, Hash: f.svc.Hasher.Hash(secret.PurposeInitialAccessToken, value),
		MaxUses: 1, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
	}
	if edit != nil {
		edit(&t)
	}
	if err := f.store.CreateInitialAccessToken(context.Background(), t); err != nil {
		tb.Fatal(err)
	}
}

// register registers a confidential client with a fresh operator token
// and returns the response; the clock then moves on, so that the events
// of what the test does next come after.
func (f *fixture) register(tb testing.TB) Response {
	tb.Helper()
	value := "iat-" + strings.ReplaceAll(tb.Name(), "/", "-") + "-" + f.now.Format(time.RFC3339Nano)
	f.iat(tb, "id-"+value, value, func(t *store.InitialAccessToken) { t.MaxUses = 0 })
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: value, Body: []byte(`{"redirect_uris":["https://app.example/cb"]}`)})
	if err != nil {
		tb.Fatal(err)
	}
	f.tick()
	return resp
}

// clients is how many clients the workspace has.
func (f *fixture) clients(tb testing.TB) int {
	tb.Helper()
	n, err := f.store.CountClients(context.Background(), f.ws.Name)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// events are the workspace's audit events, oldest first.
func (f *fixture) events(tb testing.TB) []store.AuditEvent {
	tb.Helper()
	evs, err := f.store.ListAuditEvents(context.Background(), f.ws.Name, 0)
	if err != nil {
		tb.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// tick moves the clock a second on: events of one instant have no order.
func (f *fixture) tick() { f.now = f.now.Add(time.Second) }

// lastEvent is the newest audit event.
func (f *fixture) lastEvent(tb testing.TB) store.AuditEvent {
	tb.Helper()
	evs := f.events(tb)
	if len(evs) == 0 {
		tb.Fatal("no audit event")
	}
	return evs[len(evs)-1]
}

// decisions is the registration metric for action and outcome.
func (f *fixture) decisions(tb testing.TB, action, outcome string) float64 {
	tb.Helper()
	families, err := f.reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	want := map[string]string{"workspace": f.ws.Name, "action": action, "outcome": outcome}
	for _, family := range families {
		for _, m := range family.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, want) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// wantCode fails unless err is a protocol error with code.
func wantCode(tb testing.TB, err error, code string) *oautherr.Error {
	tb.Helper()
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != code {
		tb.Fatalf("err = %v, want %s", err, code)
	}
	return oe
}
