package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
