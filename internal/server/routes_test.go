package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// TestRoutesBuild builds the full router: ServeMux panics on conflicting
// patterns, so a clash between top-level and per-workspace routes fails
// here rather than at start in production.
func TestRoutesBuild(t *testing.T) {
	srv, err := New(&Env{Config: config.Default()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, path string
		want         int
	}{
		{"GET", "/no/such/thing", http.StatusNotFound},
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/default/oauth2/token", http.StatusMethodNotAllowed},
		{"PUT", "/default/oauth2/revoke", http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
		if tc.want == http.StatusNotFound {
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["error"] == "" {
				t.Errorf("404 body is not RFC error JSON: %s", rec.Body)
			}
		}
	}
}

// TestUncleanPathsAreNotFound: a path ServeMux would clean is answered
// before any route, never with a redirect: a 404 JSON error (under the
// RFC 7592 client URLs, see TestUncleanManagementPathsAreAudited).
func TestUncleanPathsAreNotFound(t *testing.T) {
	srv, err := New(&Env{Config: config.Default()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	type request struct{ method, path string }
	var notFound []request
	for _, rt := range []request{
		{"POST", "/default/oauth2/token"}, {"GET", "/default/oauth2/authorize"},
		{"POST", "/default/oauth2/introspect"}, {"POST", "/default/oauth2/revoke"},
		{"GET", "/default/.well-known/jwks.json"}, {"GET", "/.well-known/openid-configuration/default"},
		{"POST", "/default/oauth2/register"}, {"POST", "/default/login"}, {"GET", "/healthz"},
	} {
		for _, p := range mangled(rt.path) {
			notFound = append(notFound, request{rt.method, p})
		}
	}
	// Unclean before the client id: not an RFC 7592 URL as written.
	notFound = append(notFound, request{"GET", "/x/../default/oauth2/register/abc"}, request{"GET", "/default//oauth2/register/abc"})
	for _, rq := range notFound {
		rec := serve(srv, rq.method, rq.path)
		if rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "" || errorCode(rec) != "not_found" {
			t.Errorf("%s %s = %d %q %s, want a 404 not_found", rq.method, rq.path, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
}

// TestUncleanManagementPathsAreAudited: under the RFC 7592 client URLs an
// unclean path names no client and is refused as an unknown client is,
// through the workspace lookup and into the audit log, with the client id
// as sent; in an unknown workspace it is a 404, and a method the client
// URL does not take is a 405, as on a clean path.
func TestUncleanManagementPathsAreAudited(t *testing.T) {
	srv, env := provisionedServer(t)
	cases := []struct{ method, path, action, clientID string }{
		{"DELETE", "/default/oauth2/register//abc", "delete", "/abc"},
		{"GET", "/default/oauth2/register/./abc", "read", "./abc"},
		{"PUT", "/default/oauth2/register/abc/../abc", "update", "abc/../abc"},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(`{"client_id":"abc"}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || errorCode(rec) != "invalid_token" || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s = %d %s, want 401 invalid_token with a challenge", tc.method, tc.path, rec.Code, rec.Body)
		}
	}
	events, err := env.Store.ListAuditEvents(context.Background(), "default", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(cases) {
		t.Fatalf("%d audit events, want %d: %+v", len(events), len(cases), events)
	}
	for i, tc := range cases {
		e := events[len(events)-1-i] // newest first
		if e.Action != tc.action || e.Outcome != "denied" || e.ClientID != tc.clientID || !strings.HasPrefix(e.Reason, "invalid_token") {
			t.Errorf("%s %s audited as %+v", tc.method, tc.path, e)
		}
	}
	if rec := serve(srv, "GET", "/nosuch/oauth2/register/abc/../abc"); rec.Code != http.StatusNotFound || errorCode(rec) != "not_found" {
		t.Errorf("unknown workspace: %d %s, want 404 not_found", rec.Code, rec.Body)
	}
	if rec := serve(srv, "POST", "/default/oauth2/register/abc/../abc"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") == "" {
		t.Errorf("POST: %d Allow=%q %s, want 405 with Allow", rec.Code, rec.Header().Get("Allow"), rec.Body)
	}
	// The Open Banking UK client URLs are served only in workspaces of
	// that profile, clean or not.
	for _, p := range []string{"/default/openbankinguk/dcr/v3.2/register/abc", "/default/openbankinguk/dcr/v3.3/register/./abc"} {
		if rec := serve(srv, "GET", p); rec.Code != http.StatusNotFound || errorCode(rec) != "not_found" {
			t.Errorf("GET %s in a workspace of no profile: %d %s, want 404 not_found", p, rec.Code, rec.Body)
		}
	}
}

// provisionedServer is a server over a fresh SQLite store with the
// default workspace provisioned, as `serve` makes it.
func provisionedServer(t *testing.T) (*Server, *Env) {
	t.Helper()
	return provisionedServerWith(t, func(*config.Config) {})
}

// provisionedServerWith is provisionedServer with the configuration
// changed by change first.
func provisionedServerWith(t *testing.T, change func(*config.Config)) (*Server, *Env) {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	change(&cfg)
	cfg.DB = "sqlite:" + filepath.Join(dir, "registrar.db")
	cfg.MasterKeyFile = filepath.Join(dir, "registrar.key")
	env, err := OpenEnv(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if _, err := env.Provision(context.Background(), ApplySettings); err != nil {
		t.Fatal(err)
	}
	srv, err := New(env, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return srv, env
}

// mangled returns p with a doubled slash, a "." segment and a ".."
// segment, each of which ServeMux would redirect to p.
func mangled(p string) []string {
	i := strings.LastIndexByte(p, '/')
	return []string{p[:i] + "/" + p[i:], p[:i] + "/." + p[i:], "/x/.." + p}
}

func serve(srv *Server, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func errorCode(rec *httptest.ResponseRecorder) string {
	var body map[string]string
	json.Unmarshal(rec.Body.Bytes(), &body)
	return body["error"]
}

// TestTimeLimitsKeepTheirOrder: each limit must end before the one that
// waits on it, or a hung database holds requests past shutdown.
func TestTimeLimitsKeepTheirOrder(t *testing.T) {
	if !(sqlstore.BatchBudget < RequestBudget && RequestBudget < DrainLimit && sqlstore.BatchBudget < StoreCloseLimit) {
		t.Fatalf("batch %v, request %v, drain %v, store close %v: want batch < request < drain and batch < store close",
			sqlstore.BatchBudget, RequestBudget, DrainLimit, StoreCloseLimit)
	}
	if ReadTimeout+RequestBudget >= WriteTimeout {
		t.Fatalf("read %v + budget %v ≥ write %v: a slow body's answer would be cut off", ReadTimeout, RequestBudget, WriteTimeout)
	}
	if ReadTimeout+RequestBudget >= DrainLimit {
		t.Fatalf("read %v + budget %v ≥ drain %v: a request whose body is arriving at SIGTERM could outlast the drain",
			ReadTimeout, RequestBudget, DrainLimit)
	}
}
