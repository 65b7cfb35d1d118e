package interact

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

// cookieOf is the Set-Cookie line for name, or "".
func cookieOf(w *httptest.ResponseRecorder, name string) string {
	for _, line := range w.Header().Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	return ""
}

// The handler sends what an outcome decided: statuses, headers and cookies
// as the browser sees them.
func TestRespondSendsTheOutcome(t *testing.T) {
	cases := []struct {
		name    string
		out     Outcome
		err     error
		status  int
		headers map[string]string // "" for a header that must be absent
		cookies map[string]string // a Set-Cookie line must contain each
		body    string
	}{
		{
			name:    "a code goes to the client by 303, not cached",
			out:     Outcome{Kind: RedirectToClient, Location: "https://app.example/cb?code=c&iss=x"},
			status:  http.StatusSeeOther,
			headers: map[string]string{"Location": "https://app.example/cb?code=c&iss=x", "Cache-Control": "no-store"},
		},
		{
			name:    "signing in sets the session cookie for its lifetime",
			out:     Outcome{Kind: RedirectToClient, Location: "https://app.example/cb", Session: &SessionCookie{Value: "v", MaxAge: 12 * time.Hour}},
			status:  http.StatusSeeOther,
			cookies: map[string]string{sessionCookie: "registrar_session=v; Path=/default/; Max-Age=43200; HttpOnly; SameSite=Lax"},
		},
		{
			name:    "back to the client after signing out: the session cookie cleared, no Cache-Control",
			out:     Outcome{Kind: SignedOut, Location: "https://app.example/bye?state=s", Session: &SessionCookie{}},
			status:  http.StatusSeeOther,
			headers: map[string]string{"Location": "https://app.example/bye?state=s", "Cache-Control": ""},
			cookies: map[string]string{sessionCookie: "registrar_session=; Path=/default/; Max-Age=0"},
		},
		{
			name:   "signed out without a client: the page",
			out:    Outcome{Kind: SignedOut, Session: &SessionCookie{}},
			status: http.StatusOK,
			body:   "signed out",
		},
		{
			name:    "a throttled sign-in: 429 and the notice, with a new CSRF cookie",
			out:     Outcome{Kind: ShowLogin, Problem: Throttled, NewCSRF: "t", Form: FormState{CSRF: "t", Request: "sealed"}},
			status:  http.StatusTooManyRequests,
			cookies: map[string]string{csrfCookie: "registrar_csrf=t; Path=/default/; Max-Age=3600; HttpOnly; SameSite=Lax"},
			body:    loginThrottleNotice,
		},
		{
			name:   "a locked account: 429 and the lock's notice",
			out:    Outcome{Kind: ShowLogin, Problem: Locked},
			status: http.StatusTooManyRequests,
			body:   loginLockNotice,
		},
		{
			name:   "a failed sign-in: 401 and the notice",
			out:    Outcome{Kind: ShowLogin, Problem: WrongCredentials},
			status: http.StatusUnauthorized,
			body:   loginFailureNotice,
		},
		{
			name:   "the consent page names the scopes",
			out:    Outcome{Kind: ShowConsent, Scope: "openid custom"},
			status: http.StatusOK,
			body:   "Use “custom”",
		},
		{
			name:    "a failure after signing in still sets the session cookie",
			out:     Outcome{Session: &SessionCookie{Value: "v", MaxAge: time.Hour}},
			err:     errors.New("a bug of ours"),
			status:  http.StatusInternalServerError,
			cookies: map[string]string{sessionCookie: "registrar_session=v"},
		},
		{
			name:   "no decision is our failure",
			out:    Outcome{},
			status: http.StatusInternalServerError,
		},
	}
	f := newRaceFixture(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.respond(tc.out, tc.err)
			if w.Code != tc.status {
				t.Fatalf("status %d; want %d (%s)", w.Code, tc.status, w.Body)
			}
			for name, want := range tc.headers {
				if got := w.Header().Get(name); got != want {
					t.Errorf("%s: %q; want %q", name, got, want)
				}
			}
			for name, want := range tc.cookies {
				if got := cookieOf(w, name); !strings.Contains(got, want) {
					t.Errorf("Set-Cookie %s: %q; want %q", name, got, want)
				}
			}
			if tc.cookies[csrfCookie] == "" && cookieOf(w, csrfCookie) != "" {
				t.Errorf("a CSRF cookie nobody asked for: %q", cookieOf(w, csrfCookie))
			}
			if !strings.Contains(strings.ToLower(w.Body.String()), strings.ToLower(tc.body)) {
				t.Errorf("body lacks %q:\n%s", tc.body, w.Body)
			}
		})
	}
}

// The sign-in page names the client as the consent page does, so it warns
// as the consent page does about a client that registered itself, and
// only about such a client.
func TestLoginPageWarnsOfASelfRegisteredClient(t *testing.T) {
	const warning = "registered itself; http://127.0.0.1:1/default has not reviewed it"
	f := newRaceFixture(t)
	for _, tc := range []struct {
		origin string
		warned bool
	}{{client.OriginDCR, true}, {client.OriginCLI, false}} {
		t.Run(tc.origin, func(t *testing.T) {
			cl := client.Client{ID: "app", Metadata: client.Metadata{ClientName: "Acme Bank"}, Provenance: client.Provenance{Origin: tc.origin}}
			for _, kind := range []Kind{ShowLogin, ShowConsent} {
				w := f.respond(Outcome{Kind: kind, Client: cl, Scope: "openid"}, nil)
				body := w.Body.String()
				if w.Code != http.StatusOK || !strings.Contains(body, "Acme Bank") || strings.Contains(body, warning) != tc.warned {
					t.Errorf("page %d of a %s client: %d, warned %v; want warned %v:\n%s", kind, tc.origin, w.Code, !tc.warned, tc.warned, body)
				}
			}
		})
	}
}
