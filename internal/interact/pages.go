package interact

import (
	"net/http"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

const (
	loginFailureNotice  = "Wrong username or password."
	loginThrottleNotice = "Too many attempts. Wait a moment, then try again."
	loginLockNotice     = "Too many failed sign-ins with this username: it is locked for now. Try again later, or ask an administrator to unlock it."
)

// loginAnswer is the status and the notice of a sign-in page shown for p.
func loginAnswer(p Problem) (status int, notice string) {
	switch p {
	case WrongCredentials:
		return http.StatusUnauthorized, loginFailureNotice
	case Throttled:
		return http.StatusTooManyRequests, loginThrottleNotice
	case Locked:
		return http.StatusTooManyRequests, loginLockNotice
	}
	return http.StatusOK, ""
}

func loginPage(ws workspace.Workspace, out Outcome, notice string) web.LoginPage {
	return web.LoginPage{
		Action: "/" + ws.Name + "/login", CSRF: out.Form.CSRF, Request: out.Form.Request,
		ClientName: displayName(out.Client), Username: out.Username, Error: notice,
		Unverified: unverified(out.Client),
	}
}

func consentPage(ws workspace.Workspace, out Outcome) web.ConsentPage {
	cl := out.Client
	return web.ConsentPage{
		Action: "/" + ws.Name + "/consent", CSRF: out.Form.CSRF, Request: out.Form.Request,
		ClientName: displayName(cl), LogoURI: cl.Metadata.LogoURI, PolicyURI: cl.Metadata.PolicyURI,
		TOSURI: cl.Metadata.TOSURI, Username: out.Username, Scopes: describeScopes(out.Scope),
		Unverified: unverified(cl),
	}
}

// unverified: a client that registered itself chose its own name and logo,
// and nobody here reviewed them (RFC 9700 §4.11.2 asks to warn users).
func unverified(cl client.Client) bool { return cl.Provenance.Origin == client.OriginDCR }

func displayName(cl client.Client) string {
	if cl.Metadata.ClientName != "" {
		return cl.Metadata.ClientName
	}
	return cl.ID
}

// scopeWords says what each scope means in plain words.
var scopeWords = map[string]string{
	"openid":         "Confirm who you are",
	"profile":        "See your name and username",
	"email":          "See your email address",
	"offline_access": "Keep access while you are away",
}

func describeScopes(scope string) []string {
	var out []string
	for _, sc := range strings.Fields(scope) {
		if words, ok := scopeWords[sc]; ok {
			out = append(out, words)
		} else {
			out = append(out, "Use “"+sc+"”")
		}
	}
	if len(out) == 0 {
		out = append(out, "Access your account")
	}
	return out
}
