package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestPromptValuesAsAdvertised: discovery's prompt_values_supported lists
// exactly the prompt values /authorize honours (RFC 9700 §2.6: metadata
// drives clients' choices), each doing what OIDC Core §3.1.2.1 says for a
// signed-in user who already consented. select_account cannot be honoured
// (no account chooser), so it is answered account_selection_required
// instead of being ignored; create (Initiating User Registration §4), like
// any unknown value, is invalid_request.
func TestPromptValuesAsAdvertised(t *testing.T) {
	f := newFlowFixture(t, "")
	disc := get(t, f.n.Base+"/default/.well-known/openid-configuration").JSON(t)
	if got := stringList(disc["prompt_values_supported"]); !slices.Equal(got, []string{"none", "login", "consent"}) {
		t.Fatalf("prompt_values_supported %v; want [none login consent]", got)
	}
	a, _ := f.signedIn(t)
	prompt := func(v string) page { return a.do(http.MethodGet, f.authorizeURL(url.Values{"prompt": {v}}), nil) }

	if p := prompt("none"); !strings.Contains(p.Location, "code=") {
		t.Errorf("prompt=none with a session and consent: %d %q; want a code", p.Status, p.Location)
	}
	if p := prompt("login"); p.Status != 200 || !strings.Contains(p.Body, `name="password"`) {
		t.Errorf("prompt=login with a session: %d; want the sign-in form", p.Status)
	}
	if p := prompt("consent"); p.Status != 200 || !strings.Contains(p.Body, `value="allow"`) {
		t.Errorf("prompt=consent with consent given: %d; want the consent page", p.Status)
	}
	wantRedirectError(t, "prompt=select_account with a session", prompt("select_account"), f.redirect, "account_selection_required")
	wantRedirectError(t, "prompt=create", prompt("create"), f.redirect, "invalid_request")
	// Without a session the answer to this self-registered client is held
	// on a page (TestUntrustedClientErrorsWaitForSignIn).
	fresh := newAgent(t).do(http.MethodGet, f.authorizeURL(url.Values{"prompt": {"select_account"}}), nil)
	if fresh.Location != "" || !strings.Contains(fresh.Body, "account_selection_required") {
		t.Errorf("prompt=select_account without a session: %d %q; want an error page", fresh.Status, fresh.Location)
	}
}
