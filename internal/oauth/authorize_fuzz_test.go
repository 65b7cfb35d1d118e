package oauth

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// authorizeErrorCodes are the codes an authorization request may be
// refused with (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
var authorizeErrorCodes = []string{
	oautherr.InvalidRequest, oautherr.InvalidScope, oautherr.UnauthorizedClient, "unsupported_response_type",
	"account_selection_required",
}

// FuzzAuthorizeParams drives the parameter checks of an authorization
// request (after the client is read: matchRedirect and
// parseAuthorizeParams) with any query string, for a public native client
// and a confidential web client. A request is refused with one of the
// codes of the specifications, or accepted as one the client may make:
// response type code, a redirect URI it registered (or its loopback on
// another port), only scopes it and the workspace allow, and PKCE with
// S256 for the public client.
func FuzzAuthorizeParams(f *testing.F) {
	for _, s := range []string{
		"response_type=code&scope=openid+profile&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
		"response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&prompt=login+consent&max_age=0",
		"response_type=token", "response_type=code&response_mode=fragment", "response_type=code&scope=admin",
		"response_type=code&resource=https%3A%2F%2Fapi.example&resource=https%3A%2F%2Fapi.example",
		"request=x", "request_uri=https%3A%2F%2Fevil", "response_type=code&prompt=select_account", "response_type=code&max_age=-1",
		"response_type=code&code_challenge_method=plain&code_challenge=abc",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	clients := map[bool]client.Client{
		true: {ID: "native", Metadata: client.Metadata{ApplicationType: client.ApplicationTypeNative, TokenEndpointAuthMethod: client.AuthNone,
			RedirectURIs: []string{"http://127.0.0.1/cb"}, ResponseTypes: []string{client.ResponseTypeCode}, Scope: "openid profile"}},
		false: {ID: "web", Metadata: client.Metadata{ApplicationType: "web", TokenEndpointAuthMethod: client.AuthClientSecretBasic,
			RedirectURIs: []string{"https://app.example/cb", "https://app.example/cb2"}, ResponseTypes: []string{client.ResponseTypeCode}, Scope: "openid email offline_access"}},
	}
	f.Fuzz(func(t *testing.T, query string, public bool) {
		values, err := url.ParseQuery(query)
		if err != nil {
			return // the HTTP layer refuses it before
		}
		cl, p := clients[public], Params(values)
		var req AuthorizeRequest
		var oe *oautherr.Error
		redirect, _ := p.single("redirect_uri")
		if req.RedirectURI, err = matchRedirect(cl, redirect); err != nil {
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequest {
				t.Fatalf("%q: redirect refused with %v", query, err)
			}
			return
		}
		if !slices.Contains(cl.Metadata.RedirectURIs, req.RedirectURI) && !(public && strings.HasPrefix(req.RedirectURI, "http://127.0.0.1:")) {
			t.Fatalf("%q: redirect to %q, which client %s did not register", query, req.RedirectURI, cl.ID)
		}
		if e := (&Service{}).parseAuthorizeParams(ws, cl, p, &req); e != nil {
			if !slices.Contains(authorizeErrorCodes, e.Code) || e.Description == "" {
				t.Fatalf("%q: refused with %q %q", query, e.Code, e.Description)
			}
			return
		}
		if req.ResponseType != client.ResponseTypeCode {
			t.Fatalf("%q: accepted response type %q", query, req.ResponseType)
		}
		for _, sc := range strings.Fields(req.Scope) {
			if !slices.Contains(strings.Fields(cl.Metadata.Scope), sc) || !slices.Contains(ws.Settings.Scopes, sc) {
				t.Fatalf("%q: granted scope %q, which client %s or the workspace does not allow", query, sc, cl.ID)
			}
		}
		if (public || ws.Settings.RequirePKCE) && (req.CodeChallenge == "" || req.CodeChallengeMethod != PKCES256) {
			t.Fatalf("%q: accepted without an S256 code challenge", query)
		}
		if req.MaxAge != nil && *req.MaxAge < 0 {
			t.Fatalf("%q: negative max_age %d", query, *req.MaxAge)
		}
	})
}
