package interact

import (
	"context"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// ConsentRequest is a posted consent form.
type ConsentRequest struct {
	Browser
	Form FormState
	// Allow is the user's yes; anything else denies the request.
	Allow bool
	// Remember keeps the consent for the client's later requests.
	Remember bool
}

// Consent records the user's decision and finishes the request.
func (s *Service) Consent(ctx context.Context, ws workspace.Workspace, in ConsentRequest) (Outcome, error) {
	p, cl, err := s.openForm(ctx, ws, in.Browser, in.Form)
	if err != nil {
		return Outcome{}, err
	}
	out, err := s.consent(ctx, ws, in, p, cl)
	return s.redirectErrors(ws, out, err)
}

func (s *Service) consent(ctx context.Context, ws workspace.Workspace, in ConsentRequest, p pending, cl client.Client) (Outcome, error) {
	req := p.AuthorizeRequest
	sess, ok, err := s.currentSession(ctx, ws, in.Browser)
	if err != nil {
		return Outcome{}, err
	}
	if !ok {
		return s.showLogin(ws, in.Browser, req, cl, NoProblem, "")
	}
	if p.ShownTo != sess.ID {
		// The browser signed in as someone else (another tab) since the
		// page was shown: its answer was not this user's, so ask them.
		return s.showConsent(ctx, ws, in.Browser, req, cl, sess)
	}
	if !in.Allow {
		return Outcome{}, &oauth.RedirectError{RedirectURI: req.RedirectURI, State: req.State,
			Err: oautherr.New("access_denied", "the user denied the request")}
	}
	if in.Remember {
		err := s.Store.SaveConsent(ctx, store.Consent{Workspace: ws.Name, UserID: sess.UserID, ClientID: cl.ID, Scope: req.Scope, GrantedAt: s.Time()})
		if err != nil {
			return Outcome{}, err
		}
	}
	return s.issueCode(ctx, ws, in.Browser, req, cl, sess)
}
