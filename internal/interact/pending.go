package interact

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// pendingTTL bounds how long a user may take on the login and consent pages.
const pendingTTL = 15 * time.Minute

// pending is the sealed form of an authorization request in progress. ID
// makes each sealed copy (each form shown) usable once.
type pending struct {
	oauth.AuthorizeRequest
	// CSRF binds the sealed request to the browser that started it.
	CSRF string `json:"csrf"`
	// ShownTo is the session a consent page was shown to; its answer
	// counts only for that session.
	ShownTo string `json:"shown_to,omitempty"`
	ID      string `json:"id"`
	Expires int64  `json:"exp"`
}

func sealAAD(ws workspace.Workspace) []byte { return []byte("authorize-request:" + ws.Name) }

// sealRequest seals p with a new ID and its expiry.
func (s *Service) sealRequest(ws workspace.Workspace, p pending) (string, error) {
	id, err := secret.ID(s.Random(), 16)
	if err != nil {
		return "", err
	}
	p.ID, p.Expires = id, s.Time().Add(pendingTTL).Unix()
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	sealed, err := s.Seal.Seal(raw, sealAAD(ws))
	return encode(sealed), err
}

func encode(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }
func decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// withForm gives out this browser's CSRF token, a new cookie when it has
// none, and the state its form carries back, which seal makes from the
// token.
func (s *Service) withForm(b Browser, out Outcome, seal func(csrf string) (string, error)) (Outcome, error) {
	csrf, fresh, err := s.csrfToken(b)
	if err != nil {
		return out, err
	}
	if fresh {
		out.NewCSRF = csrf
	}
	out.Form.CSRF = csrf
	out.Form.Request, err = seal(csrf)
	return out, err
}

// withRequestForm binds req to this browser and seals it into out's form;
// shownTo is the session a consent page is shown to.
func (s *Service) withRequestForm(ws workspace.Workspace, b Browser, out Outcome, req oauth.AuthorizeRequest, shownTo string) (Outcome, error) {
	return s.withForm(b, out, func(csrf string) (string, error) {
		return s.sealRequest(ws, pending{AuthorizeRequest: req, CSRF: csrf, ShownTo: shownTo})
	})
}

// openForm opens the request a login or consent form carries, marks it
// used and loads its client. Each form acts once, so posting it again
// cannot yield another code (or a code after a denial); a page shown in
// answer carries a freshly sealed copy.
func (s *Service) openForm(ctx context.Context, ws workspace.Workspace, b Browser, f FormState) (pending, client.Client, error) {
	p, err := s.unsealRequest(ws, b, f)
	if err != nil {
		return pending{}, client.Client{}, err
	}
	fresh, err := s.Store.UseRequestOnce(ctx, ws.Name, p.ID, time.Unix(p.Expires, 0).UTC())
	if err != nil {
		return pending{}, client.Client{}, err
	}
	if !fresh {
		return pending{}, client.Client{}, oautherr.InvalidRequestf("this form was already sent; start again from the application")
	}
	cl, err := s.Store.ClientByID(ctx, ws.Name, p.ClientID)
	if err != nil {
		return pending{}, client.Client{}, notFoundAsInvalid(err)
	}
	return p, cl, nil
}

// unsealRequest opens the sealed request and checks it belongs to this
// browser (its CSRF cookie) and has not expired.
func (s *Service) unsealRequest(ws workspace.Workspace, b Browser, f FormState) (pending, error) {
	errForm := oautherr.InvalidRequestf("the sign-in form expired or was altered; start again from the application")
	if f.CSRF == "" || subtle.ConstantTimeCompare([]byte(b.CSRF), []byte(f.CSRF)) != 1 {
		return pending{}, errForm
	}
	sealed, err := decode(f.Request)
	if err != nil {
		return pending{}, errForm
	}
	raw, err := s.Seal.Open(sealed, sealAAD(ws))
	if err != nil {
		return pending{}, errForm
	}
	var p pending
	if json.Unmarshal(raw, &p) != nil || s.Time().Unix() > p.Expires || p.ID == "" ||
		subtle.ConstantTimeCompare([]byte(p.CSRF), []byte(b.CSRF)) != 1 {
		return pending{}, errForm
	}
	return p, nil
}

func notFoundAsInvalid(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return oautherr.InvalidRequestf("the client no longer exists")
	}
	return err
}
