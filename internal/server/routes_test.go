package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/config"
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
// before any route, never with a redirect: a 404 JSON error, and under the
// RFC 7592 client URLs the 401 invalid_token every unknown client gets.
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
	for _, p := range []string{"/default/oauth2/register//abc", "/default/oauth2/register/./abc", "/default/oauth2/register/abc/../abc"} {
		rec := serve(srv, "DELETE", p)
		if rec.Code != http.StatusUnauthorized || errorCode(rec) != "invalid_token" || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("DELETE %s = %d %s, want 401 invalid_token with a challenge", p, rec.Code, rec.Body)
		}
	}
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
