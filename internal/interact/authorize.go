package interact

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Authorize answers an authorization request from a browser: once the
// protocol layer has validated it, sign in, consent, then a code, or, with
// prompt=none, an error when interaction is needed (OIDC Core §3.1.2.6).
// An error returned is for a page: the request cannot go back to the
// client.
func (s *Service) Authorize(ctx context.Context, ws workspace.Workspace, b Browser, p oauth.Params) (Outcome, error) {
	req, cl, err := s.Protocol.ParseAuthorize(ctx, ws, p)
	var out Outcome
	if err == nil {
		out, err = s.authorize(ctx, ws, b, req, cl)
	}
	return s.redirectErrors(ws, out, s.holdUntrustedRedirect(ctx, ws, b, cl, err))
}

func (s *Service) authorize(ctx context.Context, ws workspace.Workspace, b Browser, req oauth.AuthorizeRequest, cl client.Client) (Outcome, error) {
	sess, ok, err := s.currentSession(ctx, ws, b)
	if err != nil {
		return Outcome{}, err
	}
	if ok && req.LoginHint != "" {
		if ok, err = s.isHinted(ctx, ws, sess.UserID, req.LoginHint); err != nil {
			return Outcome{}, err
		}
	}
	if !ok || req.HasPrompt("login") || tooOld(sess, req, s.Time()) {
		return s.askLogin(ws, b, req, cl)
	}
	return s.afterLogin(ctx, ws, b, req, cl, sess)
}

// redirectErrors turns an error the client is to receive (a
// *oauth.RedirectError, RFC 6749 §4.1.2.1) into the redirect carrying it;
// any other error stays one, for a page.
func (s *Service) redirectErrors(ws workspace.Workspace, out Outcome, err error) (Outcome, error) {
	var re *oauth.RedirectError
	if !errors.As(err, &re) {
		return out, err
	}
	out.Kind = RedirectToClient
	out.Location = s.location(ws, re.RedirectURI, re.State, url.Values{"error": {re.Err.Code}, "error_description": {re.Err.Description}})
	return out, nil
}

// holdUntrustedRedirect keeps an error for a client that registered itself
// on our page until the signed-in user has approved that client once (RFC
// 9700 §4.11.2; SPECS §6: redirect automatically only to trusted URIs):
// its redirect URI was vetted by no one, so sending the browser there on
// an error would make us an open redirector for whoever can register a
// client. That holds for prompt=none too, the BCP's third attack: a silent
// request would send a victim, signed in or not, to the attacker's page
// with login_required or consent_required. Once the user has approved the
// client, errors and OIDC Core §3.1.2.6 answers go back as usual. Clients
// an operator created are trusted and get their errors at once.
func (s *Service) holdUntrustedRedirect(ctx context.Context, ws workspace.Workspace, b Browser, cl client.Client, err error) error {
	var re *oauth.RedirectError
	if !errors.As(err, &re) || cl.Provenance.Origin != client.OriginDCR {
		return err
	}
	sess, signedIn, serr := s.currentSession(ctx, ws, b)
	if serr != nil || !signedIn {
		return re.Err
	}
	if _, cerr := s.Store.ConsentFor(ctx, ws.Name, sess.UserID, cl.ID); cerr != nil {
		return re.Err
	}
	return err
}

// askLogin answers a request that needs the user to sign in: with the
// login page, or with login_required when the client said prompt=none.
func (s *Service) askLogin(ws workspace.Workspace, b Browser, req oauth.AuthorizeRequest, cl client.Client) (Outcome, error) {
	if req.HasPrompt("none") {
		// Returned as an error, not decided here: Authorize holds it for
		// a client that registered itself (holdUntrustedRedirect).
		return Outcome{}, &oauth.RedirectError{RedirectURI: req.RedirectURI, State: req.State,
			Err: oautherr.New("login_required", "the user is not signed in, or not as login_hint says")}
	}
	req.Prompt = slices.DeleteFunc(req.Prompt, func(p string) bool { return p == "login" })
	return s.showLogin(ws, b, req, cl, NoProblem, req.LoginHint)
}

// isHinted reports whether the signed-in user is the one login_hint names
// (by username, or by email as OIDC Core §3.1.2.1 suggests). When not, the
// client wants someone else: reusing the session would hand it a code for
// the wrong account.
func (s *Service) isHinted(ctx context.Context, ws workspace.Workspace, userID, hint string) (bool, error) {
	u, err := s.Store.UserByID(ctx, ws.Name, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.Username == hint || (u.Email != "" && strings.EqualFold(u.Email, hint)), nil
}

// tooOld: max_age says how long ago the user must have authenticated.
func tooOld(sess store.Session, req oauth.AuthorizeRequest, now time.Time) bool {
	return req.MaxAge != nil && now.Sub(sess.AuthTime) > time.Duration(*req.MaxAge)*time.Second
}

func (s *Service) afterLogin(ctx context.Context, ws workspace.Workspace, b Browser, req oauth.AuthorizeRequest, cl client.Client, sess store.Session) (Outcome, error) {
	consented, err := s.hasConsent(ctx, ws, sess.UserID, cl.ID, req.Scope)
	if err != nil {
		return Outcome{}, err
	}
	if !consented || req.HasPrompt("consent") {
		if req.HasPrompt("none") {
			// Returned as an error, as login_required above.
			return Outcome{}, &oauth.RedirectError{RedirectURI: req.RedirectURI, State: req.State,
				Err: oautherr.New("consent_required", "the user has not approved this client")}
		}
		return s.showConsent(ctx, ws, b, req, cl, sess)
	}
	return s.issueCode(ctx, ws, b, req, cl, sess)
}

func (s *Service) hasConsent(ctx context.Context, ws workspace.Workspace, userID, clientID, scope string) (bool, error) {
	c, err := s.Store.ConsentFor(ctx, ws.Name, userID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	granted := strings.Fields(c.Scope)
	for _, sc := range strings.Fields(scope) {
		if !slices.Contains(granted, sc) {
			return false, nil
		}
	}
	return true, nil
}

func (s *Service) showLogin(ws workspace.Workspace, b Browser, req oauth.AuthorizeRequest, cl client.Client, problem Problem, username string) (Outcome, error) {
	out := Outcome{Kind: ShowLogin, Client: cl, Username: username, Problem: problem, ClientRedirect: req.RedirectURI}
	return s.withRequestForm(ws, b, out, req, "")
}

func (s *Service) showConsent(ctx context.Context, ws workspace.Workspace, b Browser, req oauth.AuthorizeRequest, cl client.Client, sess store.Session) (Outcome, error) {
	u, err := s.Store.UserByID(ctx, ws.Name, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		// Deleted since its session was read: as if signed out.
		return s.askLogin(ws, b, req, cl)
	}
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Kind: ShowConsent, Client: cl, Username: u.Username, Scope: req.Scope, ClientRedirect: req.RedirectURI}
	return s.withRequestForm(ws, b, out, req, sess.ID)
}

// codeTTL is how long a code lives unless its client registered less.
const codeTTL = client.MaxAuthorizationCodeLifetime * time.Second

// codeLifetime is how long a code issued to cl lives: its registered
// authorization_code_lifetime, never past codeTTL.
func codeLifetime(cl client.Client) time.Duration {
	if l := time.Duration(cl.Metadata.AuthorizationCodeLifetime) * time.Second; l > 0 && l < codeTTL {
		return l
	}
	return codeTTL
}

// issueCode stores a single-use code bound to everything the token
// request must match, and sends the browser back with it. The code is
// stored only if sess still exists: when it ended after it was read (a
// password change, a sign-out in another tab), the browser is asked to
// sign in again, as for a session that has expired.
func (s *Service) issueCode(ctx context.Context, ws workspace.Workspace, b Browser, req oauth.AuthorizeRequest, cl client.Client, sess store.Session) (Outcome, error) {
	code, err := secret.Generate(s.Random())
	if err != nil {
		return Outcome{}, err
	}
	now := s.Time()
	// The code's id is also its grant's: tokens of the grant are indexed by it.
	id, err := secret.TimeOrderedID(now, s.Random())
	if err != nil {
		return Outcome{}, err
	}
	boundRedirect := ""
	if req.RedirectGiven {
		boundRedirect = req.RedirectURI
	}
	err = s.Store.CreateAuthCode(ctx, store.AuthCode{
		Workspace: ws.Name, ID: id, Hash: s.Hasher.Hash(secret.PurposeAuthCode, code), ClientID: req.ClientID,
		UserID: sess.UserID, RedirectURI: boundRedirect, Scope: req.Scope, Resources: req.Resources,
		Nonce: req.Nonce, CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod,
		AuthTime: sess.AuthTime, AMR: sess.AMR, GrantID: id, IssuedAt: now, ExpiresAt: now.Add(codeLifetime(cl)),
	}, sess.ID)
	if errors.Is(err, store.ErrNotFound) {
		return s.askLogin(ws, b, req, cl)
	}
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Kind: RedirectToClient, Location: s.location(ws, req.RedirectURI, req.State, url.Values{"code": {code}})}, nil
}

// location is where the authorization response goes (RFC 6749 §4.1.2):
// the redirect URI with params, state and iss (RFC 9207).
func (s *Service) location(ws workspace.Workspace, redirectURI, state string, params url.Values) string {
	u, _ := url.Parse(redirectURI)
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", s.Issuer(ws))
	u.RawQuery = q.Encode()
	return u.String()
}
