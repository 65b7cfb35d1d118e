package interact

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestErrorPageSpeaksToTheUser: an app's invalid request is explained to
// the person who followed it, who cannot fix it, with what is wrong kept
// for the app's developer in a folded block with the request id (the log
// has the same under it); an error in our own form is told as it is.
func TestErrorPageSpeaksToTheUser(t *testing.T) {
	pages, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Service: &Service{Protocol: &oauth.Service{BaseURL: "http://127.0.0.1:1"}}, Pages: pages}
	ws := workspace.Workspace{Name: "default"}
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
