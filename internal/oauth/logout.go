package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// logoutRequest is an RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2).
type logoutRequest struct {
	ClientID    string `json:"client_id,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	State       string `json:"state,omitempty"`
	CSRF        string `json:"csrf"`
}

// parseLogout resolves the client from client_id or id_token_hint and
// accepts post_logout_redirect_uri only when registered for it: an
// unchecked one would be an open redirector (RFC 9700 §4.11).
func (s *Service) parseLogout(ctx context.Context, ws workspace.Workspace, p url.Values) (logoutRequest, string, error) {
	req := logoutRequest{ClientID: p.Get("client_id"), State: p.Get("state")}
	if hint := p.Get("id_token_hint"); hint != "" {
		payload, err := s.Keys.Verify(ctx, ws.Name, hint, "JWT")
		var c idTokenClaims
		if err != nil || json.Unmarshal(payload, &c) != nil || c.Issuer != s.Issuer(ws) {
			return req, "", oautherr.InvalidRequestf("id_token_hint is not an ID token of this issuer")
		}
		if req.ClientID != "" && req.ClientID != c.Audience {
			return req, "", oautherr.InvalidRequestf("client_id does not match id_token_hint")
		}
		req.ClientID = c.Audience
	}
	redirect := p.Get("post_logout_redirect_uri")
	if req.ClientID == "" {
		if redirect != "" {
			return req, "", oautherr.InvalidRequestf("post_logout_redirect_uri needs client_id or id_token_hint")
		}
		return req, "", nil
	}
	cl, err := s.Store.ClientByID(ctx, ws.Name, req.ClientID)
	if err != nil {
		return req, "", notFoundAsInvalid(err)
	}
	if redirect != "" && !slices.Contains(cl.Metadata.PostLogoutRedirectURIs, redirect) {
		return req, "", oautherr.InvalidRequestf("post_logout_redirect_uri is not registered for this client")
	}
	req.RedirectURI = redirect
	return req, displayName(cl), nil
}

// ShowLogout asks the user to confirm, so a cross-site link cannot sign
// them out.
func (s *Service) ShowLogout(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, p url.Values) error {
	req, name, err := s.parseLogout(ctx, ws, p)
	if err != nil {
		return err
	}
	csrf, err := s.csrfToken(ws, w, r)
	if err != nil {
		return err
	}
	req.CSRF = csrf
	raw, _ := json.Marshal(req)
	sealed, err := s.Flow.Seal.Seal(raw, []byte("logout:"+ws.Name))
	if err != nil {
		return err
	}
	return s.Flow.Pages.Render(w, http.StatusOK, "logout", "Sign out", s.Issuer(ws), web.LogoutPage{
		Action: "/" + ws.Name + "/oauth2/logout", CSRF: csrf, Request: encode(sealed), ClientName: name,
	}, req.RedirectURI)
}

// Logout ends the session and returns to the client when it asked to.
func (s *Service) Logout(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, form httpapi.Form) error {
	errForm := oautherr.InvalidRequestf("the sign-out form expired or was altered")
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value != form.Get("csrf_token") {
		return errForm
	}
	sealed, err := decode(form.Get("request"))
	if err != nil {
		return errForm
	}
	raw, err := s.Flow.Seal.Open(sealed, []byte("logout:"+ws.Name))
	var req logoutRequest
	if err != nil || json.Unmarshal(raw, &req) != nil || req.CSRF != c.Value {
		return errForm
	}
	if sess, ok, err := s.currentSession(ctx, ws, r); err != nil {
		return err
	} else if ok {
		if err := s.Flow.Store.DeleteSession(ctx, ws.Name, sess.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	http.SetCookie(w, s.cookie(ws, sessionCookie, "", -1))
	if req.RedirectURI == "" {
		return s.Flow.Pages.Render(w, http.StatusOK, "logout", "Signed out", s.Issuer(ws), web.LogoutPage{Done: true})
	}
	u, _ := url.Parse(req.RedirectURI)
	if req.State != "" {
		q := u.Query()
		q.Set("state", req.State)
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
	return nil
}
