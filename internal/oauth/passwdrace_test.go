package oauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// changingStore is the flow's store with a password change (`registrar
// user passwd`) that commits right after a chosen read: after the user is
// read for the password check, or after the consent is read on the way to
// a code.
type changingStore struct {
	FlowStore
	afterUserRead, afterConsentRead func()
}

func (c *changingStore) UserByUsername(ctx context.Context, ws, username string) (user.User, error) {
	u, err := c.FlowStore.UserByUsername(ctx, ws, username)
	if c.afterUserRead != nil {
		c.afterUserRead()
	}
	return u, err
}

func (c *changingStore) ConsentFor(ctx context.Context, ws, userID, clientID string) (store.Consent, error) {
	consent, err := c.FlowStore.ConsentFor(ctx, ws, userID, clientID)
	if c.afterConsentRead != nil {
		c.afterConsentRead()
	}
	return consent, err
}

// raceFixture is a Service over a SQLite store with client "app" and user
// alice (password "old password", consent to "openid" given).
type raceFixture struct {
	s     *Service
	store *changingStore
	ws    workspace.Workspace
	req   AuthorizeRequest
}

const raceCSRF = "csrf-value-of-this-browser-0123456789abcdef"

func newRaceFixture(t *testing.T) *raceFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pages, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	seal, err := masterkey.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ws := workspace.Workspace{Name: "default", Settings: workspace.DefaultSettings()}
	now := time.Now().UTC().Truncate(time.Microsecond)
	redirect := "https://app.example/cb"
	if err := st.CreateClient(ctx, client.Client{Workspace: ws.Name, ID: "app", IssuedAt: now, UpdatedAt: now, Version: 1,
		Metadata: client.Metadata{RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}}}); err != nil {
		t.Fatal(err)
	}
	hash, err := user.HashPassword("old password", user.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, user.User{Workspace: ws.Name, ID: "u1", Username: "alice", PasswordHash: hash, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveConsent(ctx, store.Consent{Workspace: ws.Name, UserID: "u1", ClientID: "app", Scope: "openid", GrantedAt: now}); err != nil {
		t.Fatal(err)
	}
	cs := &changingStore{FlowStore: st}
	return &raceFixture{
		s: &Service{Store: st, Hasher: secret.NewHasher(bytes.Repeat([]byte{3}, 32)), BaseURL: "http://127.0.0.1:1",
			Flow: &Flow{Store: cs, Pages: pages, Seal: seal}},
		store: cs, ws: ws,
		req: AuthorizeRequest{ClientID: "app", RedirectURI: redirect, ResponseType: "code", Scope: "openid", State: "st", CSRF: raceCSRF},
	}
}

// signIn starts a session for alice and returns its cookie value.
func (f *raceFixture) signIn(t *testing.T) string {
	t.Helper()
	w := httptest.NewRecorder()
	if _, err := f.s.startSession(context.Background(), f.ws, w, user.User{Workspace: f.ws.Name, ID: "u1", PasswordHash: mustHash(t, f)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// passwd changes alice's password as `registrar user passwd` does.
func (f *raceFixture) passwd(t *testing.T) {
	t.Helper()
	if err := f.store.FlowStore.SetUserPassword(context.Background(), f.ws.Name, "u1", "$argon2id$new", time.Now().UTC()); err != nil {
		t.Error(err)
	}
}

// browser is a request from the browser that holds the fixture's CSRF
// cookie and, if given, a session cookie.
func (f *raceFixture) browser(method, session string) *http.Request {
	r := httptest.NewRequest(method, "/default/login", nil)
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: raceCSRF})
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	return r
}

func sessionSet(w *httptest.ResponseRecorder) bool {
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return true
		}
	}
	return false
}

// A sign-in whose password check straddles a password change does not
// sign in: the password it checked is no longer the password. The user
// sees the usual failed sign-in, and no session is stored or set.
func TestLoginStraddlingPasswordChangeFails(t *testing.T) {
	for _, changed := range []bool{false, true} {
		f := newRaceFixture(t)
		if changed {
			f.store.afterUserRead = func() { f.passwd(t) }
		}
		sealed, err := f.s.sealRequest(f.ws, f.req)
		if err != nil {
			t.Fatal(err)
		}
		form := httpapi.Form{"csrf_token": {raceCSRF}, "request": {sealed}, "username": {"alice"}, "password": {"old password"}}
		w := httptest.NewRecorder()
		if err := f.s.Login(context.Background(), f.ws, w, f.browser(http.MethodPost, ""), form); err != nil {
			t.Fatalf("changed=%v: %v", changed, err)
		}
		signedIn := sessionSet(w)
		switch {
		case !changed && (!signedIn || w.Code != http.StatusSeeOther):
			t.Fatalf("without a password change: %d, session set %v; want a sign-in and a code", w.Code, signedIn)
		case changed && (signedIn || w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), loginFailureNotice)):
			t.Fatalf("a password changed during the check: %d, session set %v, %q; want the failed sign-in page and no session",
				w.Code, signedIn, w.Header().Get("Location"))
		}
	}
}

// A code issued from a session that a password change ends after the
// session was read is not issued: the browser is asked to sign in again
// (login_required with prompt=none), as for an expired session.
func TestCodeAfterPasswordChangeEndedTheSession(t *testing.T) {
	for _, prompt := range [][]string{nil, {"none"}} {
		f := newRaceFixture(t)
		session := f.signIn(t)
		f.store.afterConsentRead = func() { f.passwd(t) }
		req := f.req
		req.Prompt = prompt
		cl, err := f.s.Store.ClientByID(context.Background(), f.ws.Name, "app")
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		err = f.s.Authorize(context.Background(), f.ws, w, f.browser(http.MethodGet, session), req, cl)
		if prompt != nil {
			var re *RedirectError
			if !errors.As(err, &re) || re.Err.Code != "login_required" {
				t.Fatalf("prompt=none, session ended before the code was stored: %v (%d %q); want login_required", err, w.Code, w.Header().Get("Location"))
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if w.Code != http.StatusOK || strings.Contains(w.Header().Get("Location"), "code=") || !strings.Contains(w.Body.String(), `name="password"`) {
			t.Fatalf("session ended before the code was stored: %d %q; want the sign-in page and no code", w.Code, w.Header().Get("Location"))
		}
	}
}

func mustHash(t *testing.T, f *raceFixture) string {
	t.Helper()
	u, err := f.store.UserByID(context.Background(), f.ws.Name, "u1")
	if err != nil {
		t.Fatal(err)
	}
	return u.PasswordHash
}

// A user deleted after their session was read, on the way to the consent
// page, is treated as signed out: the sign-in page, not a 500.
func TestConsentForAUserDeletedMeanwhile(t *testing.T) {
	f := newRaceFixture(t)
	session := f.signIn(t)
	f.store.afterConsentRead = func() {
		if err := f.store.FlowStore.DeleteUser(context.Background(), f.ws.Name, "u1"); err != nil {
			t.Error(err)
		}
	}
	req := f.req
	req.Scope = "openid profile" // beyond the consent given: the consent page is next
	cl, err := f.s.Store.ClientByID(context.Background(), f.ws.Name, "app")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := f.s.Authorize(context.Background(), f.ws, w, f.browser(http.MethodGet, session), req, cl); err != nil {
		t.Fatalf("consent page for a user deleted meanwhile: %v; want the sign-in page", err)
	}
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="password"`) {
		t.Fatalf("consent page for a user deleted meanwhile: %d; want the sign-in page", w.Code)
	}
}
