package registration

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// serve answers one request through the handler's routes, an unclean
// path through HandleUnclean, as the server does; the workspace is the
// fixture's.
func (f *fixture) serve(tb testing.TB, method, target, contentType, authorization, body string) *httptest.ResponseRecorder {
	tb.Helper()
	h := &Handler{Service: f.svc, Workspaces: func(_ context.Context, name string) (workspace.Workspace, error) {
		if name != f.ws.Name {
			return workspace.Workspace{}, oautherr.New(oautherr.NotFound, "no such workspace")
		}
		return f.ws, nil
	}}
	mux := http.NewServeMux()
	h.Routes(mux)
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	httpapi.RejectUncleanPaths(mux, http.HandlerFunc(h.HandleUnclean)).ServeHTTP(w, r)
	return w
}

func TestHandlerRegisterAndManage(t *testing.T) {
	f := newFixture(t)
	f.iat(t, "i1", "v1", nil)
	w := f.serve(t, "POST", "/acme/oauth2/register", "application/json", "Bearer v1", goodBody)
	if w.Code != http.StatusCreated || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	var resp map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	path := "/acme/oauth2/register/" + resp["client_id"].(string)
	bearer := "Bearer " + resp["registration_access_token"].(string)
	f.tick()
	if w := f.serve(t, "GET", path, "", bearer, ""); w.Code != http.StatusOK {
		t.Errorf("read: %d %s", w.Code, w.Body)
	}
	f.tick()
	w = f.serve(t, "PUT", path, "application/json", bearer, `{"client_id":"`+resp["client_id"].(string)+`","redirect_uris":["https://app.example/cb"]}`)
	if w.Code != http.StatusOK {
		t.Fatalf("update: %d %s", w.Code, w.Body)
	}
	json.Unmarshal(w.Body.Bytes(), &resp)
	f.tick()
	if w := f.serve(t, "DELETE", path, "", "Bearer "+resp["registration_access_token"].(string), ""); w.Code != http.StatusNoContent || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("delete: %d %s", w.Code, w.Body)
	}
}

// TestHandlerRefusalsAreAudited: what the handler refuses before the
// service runs is audited as the service's refusals are, naming what was
// presented.
func TestHandlerRefusalsAreAudited(t *testing.T) {
	cases := []struct {
		name, method, target, contentType, authorization, body string
		status                                                 int
		credential                                             string
	}{
		{"wrong content type", "POST", "/acme/oauth2/register", "text/plain", "Bearer v1", goodBody, http.StatusBadRequest, labelUncheckedBearer},
		{"not UTF-8", "POST", "/acme/oauth2/register", "application/json; charset=latin1", "", goodBody, http.StatusBadRequest, "none"},
		{"oversized", "POST", "/acme/oauth2/register", "application/json", "", strings.Repeat(" ", MaxBodyBytes+1), http.StatusBadRequest, "none"},
		{"not a Bearer header", "POST", "/acme/oauth2/register", "application/json", "Basic eDp5", goodBody, http.StatusUnauthorized, labelUncheckedBearer},
		{"unknown client", "GET", "/acme/oauth2/register/nobody", "", "Bearer x", "", http.StatusUnauthorized, labelUnmatchedBearer},
		{"unclean client URL", "GET", "/acme/oauth2/register/./x", "", "", "", http.StatusUnauthorized, "none"},
		{"unclean client URL, wrong content type", "PUT", "/acme/oauth2/register/./x", "text/plain", "", "{}", http.StatusBadRequest, "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			w := f.serve(t, tc.method, tc.target, tc.contentType, tc.authorization, tc.body)
			if w.Code != tc.status {
				t.Fatalf("status %d %s, want %d", w.Code, w.Body, tc.status)
			}
			if ev := f.lastEvent(t); ev.Outcome != "denied" || ev.Credential != tc.credential {
				t.Errorf("event %+v, want denied naming %s", ev, tc.credential)
			}
			if n := f.clients(t); n != 0 {
				t.Errorf("%d clients stored", n)
			}
		})
	}
}

func TestHandlerUnknownWorkspaceAndPreflight(t *testing.T) {
	f := newFixture(t)
	if w := f.serve(t, "POST", "/nowhere/oauth2/register", "application/json", "", goodBody); w.Code != http.StatusNotFound {
		t.Errorf("unknown workspace: %d", w.Code)
	}
	if w := f.serve(t, "OPTIONS", "/acme/oauth2/register", "", "", ""); w.Code != http.StatusNoContent {
		t.Errorf("preflight: %d", w.Code)
	}
	if w := f.serve(t, "PATCH", "/acme/oauth2/register/x", "", "", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("PATCH: %d", w.Code)
	}
	if evs := f.events(t); len(evs) != 0 {
		t.Errorf("events %+v: an unknown workspace and a preflight are no decisions", evs)
	}
}

func TestIsManagementPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/acme/oauth2/register/abc", true},
		{"/acme/oauth2/register/a/../b", true},
		{"/acme/oauth2/register/", true},
		{"/acme/oauth2/register", false},
		{"/acme/oauth2/token", false},
		{"acme/oauth2/register/abc", false},
		{"/acme", false},
		{"/acme/openbankinguk/dcr/v3.3/register/abc", true},
		{"/acme/openbankinguk/dcr/v4/register/abc", false},
	} {
		if got := IsManagementPath(tc.path); got != tc.want {
			t.Errorf("IsManagementPath(%q) = %v", tc.path, got)
		}
	}
	ws, id, endpoint, _ := splitManagementPath("/ac%20me/oauth2/register/a%2Fb")
	if ws != "ac me" || id != "a/b" || endpoint != "oauth2/register" {
		t.Errorf("split: %q %q %q", ws, id, endpoint)
	}
}
