package interact

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oauth"
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
	Store
	afterUserRead, afterConsentRead func()
}

func (c *changingStore) UserByUsername(ctx context.Context, ws, username string) (user.User, error) {
	u, err := c.Store.UserByUsername(ctx, ws, username)
	if c.afterUserRead != nil {
		c.afterUserRead()
	}
	return u, err
}

func (c *changingStore) ConsentFor(ctx context.Context, ws, userID, clientID string) (store.Consent, error) {
	consent, err := c.Store.ConsentFor(ctx, ws, userID, clientID)
	if c.afterConsentRead != nil {
		c.afterConsentRead()
	}
	return consent, err
}

// raceFixture is a Service, and its Handler, over a SQLite store with
// client "app" and user alice (password "old password", consent to
// "openid" given).
type raceFixture struct {
	s     *Service
	h     *Handler
	store *changingStore
	ws    workspace.Workspace
	req   oauth.AuthorizeRequest
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
		Metadata: client.Metadata{RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, Scope: "openid profile",
			PostLogoutRedirectURIs: []string{"https://app.example/bye"}}}); err != nil {
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
	cs := &changingStore{Store: st}
	s := &Service{Store: cs, Protocol: &oauth.Service{Store: st, BaseURL: "http://127.0.0.1:1"},
		Hasher: secret.NewHasher(bytes.Repeat([]byte{3}, 32)), Seal: seal}
	return &raceFixture{
		s: s, store: cs, ws: ws,
		h: &Handler{Service: s, Pages: pages,
			Workspaces: func(context.Context, string) (workspace.Workspace, error) { return ws, nil }},
		req: oauth.AuthorizeRequest{ClientID: "app", RedirectURI: redirect, ResponseType: "code", Scope: "openid", State: "st"},
	}
}

// signIn starts a session for alice and returns its cookie value.
func (f *raceFixture) signIn(t *testing.T) string {
	t.Helper()
	_, cookie, err := f.s.startSession(context.Background(), f.ws, user.User{Workspace: f.ws.Name, ID: "u1", PasswordHash: mustHash(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	return cookie.Value
}

// passwd changes alice's password as `registrar user passwd` does.
func (f *raceFixture) passwd(t *testing.T) {
	t.Helper()
	if err := f.store.Store.SetUserPassword(context.Background(), f.ws.Name, "u1", "$argon2id$new", time.Now().UTC()); err != nil {
		t.Error(err)
	}
}

// post is a form posted by the browser that holds the fixture's CSRF
// cookie.
func (f *raceFixture) post(target string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: raceCSRF})
	return r
}

// serve runs r through the flow's routes.
func (f *raceFixture) serve(r *http.Request) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	f.h.Routes(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

// respond sends the browser what a service call decided, as the handler does.
func (f *raceFixture) respond(out Outcome, err error) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.h.respond(w, httptest.NewRequest(http.MethodGet, "/default/oauth2/authorize", nil), f.ws, out, err)
	return w
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
		sealed, err := f.s.sealRequest(f.ws, pending{AuthorizeRequest: f.req, CSRF: raceCSRF})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"csrf_token": {raceCSRF}, "request": {sealed}, "username": {"alice"}, "password": {"old password"}}
		w := f.serve(f.post("/default/login", form))
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
		out, err := f.s.authorize(context.Background(), f.ws, Browser{CSRF: raceCSRF, Session: session}, req, cl)
		if prompt != nil {
			var re *oauth.RedirectError
			if !errors.As(err, &re) || re.Err.Code != "login_required" {
				t.Fatalf("prompt=none, session ended before the code was stored: %v (%+v); want login_required", err, out)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		w := f.respond(out, err)
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
		if err := f.store.Store.DeleteUser(context.Background(), f.ws.Name, "u1"); err != nil {
			t.Error(err)
		}
	}
	req := f.req
	req.Scope = "openid profile" // beyond the consent given: the consent page is next
	cl, err := f.s.Store.ClientByID(context.Background(), f.ws.Name, "app")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.s.authorize(context.Background(), f.ws, Browser{CSRF: raceCSRF, Session: session}, req, cl)
	if err != nil {
		t.Fatalf("consent page for a user deleted meanwhile: %v; want the sign-in page", err)
	}
	w := f.respond(out, err)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="password"`) {
		t.Fatalf("consent page for a user deleted meanwhile: %d; want the sign-in page", w.Code)
	}
}
