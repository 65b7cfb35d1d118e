package interact

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// LogoutParams are an RP-initiated logout request's parameters (OIDC
// RP-Initiated Logout 1.0 §2).
type LogoutParams struct {
	ClientID, IDTokenHint, PostLogoutRedirectURI, State string
}

// LogoutRequest is a posted sign-out confirmation.
type LogoutRequest struct {
	Browser
	Form FormState
}

// logoutRequest is the sealed logout request the confirmation carries.
type logoutRequest struct {
	ClientID    string `json:"client_id,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	State       string `json:"state,omitempty"`
	CSRF        string `json:"csrf"`
}

func logoutAAD(ws workspace.Workspace) []byte { return []byte("logout:" + ws.Name) }

// parseLogout resolves the client from client_id or id_token_hint and
// accepts post_logout_redirect_uri only when registered for it: an
// unchecked one would be an open redirector (RFC 9700 §4.11). The client
// is zero when the request names none.
func (s *Service) parseLogout(ctx context.Context, ws workspace.Workspace, p LogoutParams) (logoutRequest, client.Client, error) {
	req := logoutRequest{ClientID: p.ClientID, State: p.State}
	if p.IDTokenHint != "" {
		aud, err := s.Protocol.IDTokenAudience(ctx, ws, p.IDTokenHint)
		if err != nil {
			return req, client.Client{}, err
		}
		if req.ClientID != "" && req.ClientID != aud {
			return req, client.Client{}, oautherr.InvalidRequestf("client_id does not match id_token_hint")
		}
		req.ClientID = aud
	}
	redirect := p.PostLogoutRedirectURI
	if req.ClientID == "" {
		if redirect != "" {
			return req, client.Client{}, oautherr.InvalidRequestf("post_logout_redirect_uri needs client_id or id_token_hint")
		}
		return req, client.Client{}, nil
	}
	cl, err := s.Store.ClientByID(ctx, ws.Name, req.ClientID)
	if err != nil {
		return req, client.Client{}, notFoundAsInvalid(err)
	}
	if redirect != "" && !slices.Contains(cl.Metadata.PostLogoutRedirectURIs, redirect) {
		return req, client.Client{}, oautherr.InvalidRequestf("post_logout_redirect_uri is not registered for this client")
	}
	req.RedirectURI = redirect
	return req, cl, nil
}

// ShowLogout asks the user to confirm, so a cross-site link cannot sign
// them out.
func (s *Service) ShowLogout(ctx context.Context, ws workspace.Workspace, b Browser, p LogoutParams) (Outcome, error) {
	req, cl, err := s.parseLogout(ctx, ws, p)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Kind: ConfirmLogout, Client: cl, ClientRedirect: req.RedirectURI}
	return s.withForm(b, out, func(csrf string) (string, error) {
		req.CSRF = csrf
		raw, _ := json.Marshal(req)
		sealed, err := s.Seal.Seal(raw, logoutAAD(ws))
		return encode(sealed), err
	})
}

// Logout ends the session and returns to the client when it asked to.
func (s *Service) Logout(ctx context.Context, ws workspace.Workspace, in LogoutRequest) (Outcome, error) {
	errForm := oautherr.InvalidRequestf("the sign-out form expired or was altered")
	if in.CSRF == "" || in.CSRF != in.Form.CSRF {
		return Outcome{}, errForm
	}
	sealed, err := decode(in.Form.Request)
	if err != nil {
		return Outcome{}, errForm
	}
	raw, err := s.Seal.Open(sealed, logoutAAD(ws))
	var req logoutRequest
	if err != nil || json.Unmarshal(raw, &req) != nil || req.CSRF != in.CSRF {
		return Outcome{}, errForm
	}
	if sess, ok, err := s.currentSession(ctx, ws, in.Browser); err != nil {
		return Outcome{}, err
	} else if ok {
		if err := s.Store.DeleteSession(ctx, ws.Name, sess.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Outcome{}, err
		}
	}
	out := Outcome{Kind: SignedOut, Session: &SessionCookie{}}
	if req.RedirectURI != "" {
		u, _ := url.Parse(req.RedirectURI)
		if req.State != "" {
			q := u.Query()
			q.Set("state", req.State)
			u.RawQuery = q.Encode()
		}
		out.Location = u.String()
	}
	return out, nil
}
