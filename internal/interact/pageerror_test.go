package interact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// A browser page classifies failures as the JSON endpoints do: a store
// outage is a 503 to retry, not our 500, and a browser that has gone gets
// nothing (499 for the metrics).
func TestPageErrorClassifiesOutagesAndHangUps(t *testing.T) {
	h, ws := pageHandler(t)

	for cause, want := range map[error]int{
		fmt.Errorf("reading session: %w", store.ErrUnavailable): http.StatusServiceUnavailable,
		context.DeadlineExceeded:                                http.StatusServiceUnavailable,
		errors.New("a bug of ours"):                             http.StatusInternalServerError,
	} {
		w := httptest.NewRecorder()
		h.pageError(w, httptest.NewRequest(http.MethodPost, "/default/login", nil), ws, cause)
		if w.Code != want || !strings.Contains(w.Body.String(), "Try again") {
			t.Errorf("%v: %d %s; want %d and a page that says to try again", cause, w.Code, w.Body, want)
		}
		if want == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
			t.Errorf("%v: 503 without Retry-After", cause)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	h.pageError(w, httptest.NewRequest(http.MethodPost, "/default/login", nil).WithContext(ctx), ws, ctx.Err())
	if w.Code != 499 || w.Body.Len() != 0 {
		t.Errorf("a browser that hung up: %d %q; want 499 and no page", w.Code, w.Body)
	}
}

// An error page that cannot be rendered still says what happened, with
// its status, as plain text: not an empty 200.
func TestPageErrorWithoutItsTemplate(t *testing.T) {
	h := &Handler{Service: &Service{Protocol: &oauth.Service{BaseURL: "http://127.0.0.1:1"}}, Pages: &web.Renderer{}}
	w := httptest.NewRecorder()
	h.pageError(w, httptest.NewRequest(http.MethodGet, "/default/oauth2/authorize", nil), workspace.Workspace{Name: "default"},
		oautherr.InvalidRequestf("redirect_uri is not registered"))
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "redirect_uri is not registered") {
		t.Fatalf("no error page template: %d %q; want 400 and the message", w.Code, w.Body)
	}
}

// pageHandler is a handler that renders the real pages, and its workspace.
func pageHandler(t *testing.T) (*Handler, workspace.Workspace) {
	t.Helper()
	pages, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{Service: &Service{Protocol: &oauth.Service{BaseURL: "http://127.0.0.1:1"}}, Pages: pages}, workspace.Workspace{Name: "default"}
}

// TestErrorPageSpeaksToTheUser: an app's invalid request is explained to
// the person who followed it, who cannot fix it, with what is wrong kept
// for the app's developer in a folded block with the request id (the log
// has the same under it); an error in our own form is told as it is.
func TestErrorPageSpeaksToTheUser(t *testing.T) {
	h, ws := pageHandler(t)
	show := func(path string, err error) string {
		w := httptest.NewRecorder()
		w.Header().Set("X-Request-Id", "req-42")
		h.pageError(w, httptest.NewRequest(http.MethodGet, path, nil), ws, err)
		return w.Body.String()
	}
	body := show("/default/oauth2/authorize", oautherr.InvalidRequestf("redirect_uri is not registered"))
	for _, want := range []string{"Tell the app&#39;s developer", "<details>", "Details for the app's developer", "redirect_uri is not registered", "invalid_request", "req-42"} {
		if !strings.Contains(body, want) {
			t.Errorf("app's bad request: page lacks %q:\n%s", want, body)
		}
	}
	if i, j := strings.Index(body, "<details>"), strings.Index(body, "redirect_uri is not registered"); j < i {
		t.Errorf("the developer's detail is outside the folded block:\n%s", body)
	}
	body = show("/default/login", oautherr.InvalidRequestf("the sign-in form expired; start again"))
	if !strings.Contains(body, `role="alert">the sign-in form expired`) || strings.Contains(body, "developer") {
		t.Errorf("our own form's error:\n%s", body)
	}
}

// TestDisabledClientPage: an operator disabled the app; the person who
// followed it is told that, not sent to its developer about a bad request.
func TestDisabledClientPage(t *testing.T) {
	h, ws := pageHandler(t)
	w := httptest.NewRecorder()
	h.pageError(w, httptest.NewRequest(http.MethodGet, "/default/oauth2/authorize?client_id=x", nil), ws,
		fmt.Errorf("authorize: %w", oautherr.InvalidRequestf("the client is disabled").WithCause(oauth.ErrClientDisabled)))
	body := w.Body.String()
	if w.Code != http.StatusBadRequest || !strings.Contains(body, "disabled by the administrator of this sign-in service") {
		t.Errorf("%d; want 400 saying the administrator disabled the app:\n%s", w.Code, body)
	}
	if strings.Contains(body, "invalid request") || strings.Contains(body, "developer") {
		t.Errorf("the page blames the app's developer:\n%s", body)
	}
}
