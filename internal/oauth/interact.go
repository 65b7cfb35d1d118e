package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// pendingTTL bounds how long a user may take on the login and consent pages.
const pendingTTL = 15 * time.Minute

// pending is the sealed form of an authorization request in progress. ID
// makes each sealed copy (each form shown) usable once.
type pending struct {
	AuthorizeRequest
	ID      string `json:"id"`
	Expires int64  `json:"exp"`
}

func sealAAD(ws workspace.Workspace) []byte { return []byte("authorize-request:" + ws.Name) }

func (s *Service) sealRequest(ws workspace.Workspace, req AuthorizeRequest) (string, error) {
	id, err := secret.ID(s.Random(), 16)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(pending{AuthorizeRequest: req, ID: id, Expires: s.Time().Add(pendingTTL).Unix()})
	if err != nil {
		return "", err
	}
	sealed, err := s.Flow.Seal.Seal(raw, sealAAD(ws))
	return encode(sealed), err
}

func encode(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }
func decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// openRequest unseals the request a form carries, checks it, and marks it
// used: each login or consent form acts once, so posting it again cannot
// yield another code (or a code after a denial). A page shown in answer
// carries a freshly sealed copy.
func (s *Service) openRequest(ctx context.Context, ws workspace.Workspace, r *http.Request, form httpapi.Form) (AuthorizeRequest, error) {
	p, err := s.unsealRequest(ws, r, form)
	if err != nil {
		return AuthorizeRequest{}, err
	}
	fresh, err := s.Flow.Store.UseRequestOnce(ctx, ws.Name, p.ID, time.Unix(p.Expires, 0).UTC())
	if err != nil {
		return AuthorizeRequest{}, err
	}
	if !fresh {
		return AuthorizeRequest{}, oautherr.InvalidRequestf("this form was already sent; start again from the application")
	}
	return p.AuthorizeRequest, nil
}

// unsealRequest opens the sealed request and checks it belongs to this
// browser (its CSRF cookie) and has not expired.
func (s *Service) unsealRequest(ws workspace.Workspace, r *http.Request, form httpapi.Form) (pending, error) {
	errForm := oautherr.InvalidRequestf("the sign-in form expired or was altered; start again from the application")
	c, err := r.Cookie(csrfCookie)
	if err != nil || form.Get("csrf_token") == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form.Get("csrf_token"))) != 1 {
		return pending{}, errForm
	}
	sealed, err := decode(form.Get("request"))
	if err != nil {
		return pending{}, errForm
	}
	raw, err := s.Flow.Seal.Open(sealed, sealAAD(ws))
	if err != nil {
		return pending{}, errForm
	}
	var p pending
	if json.Unmarshal(raw, &p) != nil || s.Time().Unix() > p.Expires || p.CSRF != c.Value || p.ID == "" {
		return pending{}, errForm
	}
	return p, nil
}

// Authorize handles a validated request for a browser: sign in, consent,
// then a code — or, with prompt=none, an error when interaction is needed
// (OIDC Core §3.1.2.6).
func (s *Service) Authorize(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest, cl client.Client) error {
	sess, ok, err := s.currentSession(ctx, ws, r)
	if err != nil {
		return err
	}
	if ok && req.LoginHint != "" {
		if ok, err = s.isHinted(ctx, ws, sess.UserID, req.LoginHint); err != nil {
			return err
		}
	}
	if !ok || req.HasPrompt("login") || tooOld(sess, req, s.Time()) {
		return s.askLogin(ws, w, r, req, cl)
	}
	return s.afterLogin(ctx, ws, w, r, req, cl, sess)
}

// askLogin answers a request that needs the user to sign in: with the
// login page, or with login_required when the client said prompt=none.
func (s *Service) askLogin(ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest, cl client.Client) error {
	if req.HasPrompt("none") {
		// Returned, not sent: the handler holds it for a client
		// that registered itself (holdUntrustedRedirect).
		return &RedirectError{RedirectURI: req.RedirectURI, State: req.State,
			Err: oautherr.New("login_required", "the user is not signed in, or not as login_hint says")}
	}
	req.Prompt = slices.DeleteFunc(req.Prompt, func(p string) bool { return p == "login" })
	return s.showLogin(ws, w, r, req, cl, "", req.LoginHint, http.StatusOK)
}

// isHinted reports whether the signed-in user is the one login_hint names
// (by username, or by email as OIDC Core §3.1.2.1 suggests). When not, the
// client wants someone else: reusing the session would hand it a code for
// the wrong account.
func (s *Service) isHinted(ctx context.Context, ws workspace.Workspace, userID, hint string) (bool, error) {
	u, err := s.Flow.Store.UserByID(ctx, ws.Name, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.Username == hint || (u.Email != "" && strings.EqualFold(u.Email, hint)), nil
}

// tooOld: max_age says how long ago the user must have authenticated.
func tooOld(sess store.Session, req AuthorizeRequest, now time.Time) bool {
	return req.MaxAge != nil && now.Sub(sess.AuthTime) > time.Duration(*req.MaxAge)*time.Second
}

func (s *Service) afterLogin(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest, cl client.Client, sess store.Session) error {
	consented, err := s.hasConsent(ctx, ws, sess.UserID, cl.ID, req.Scope)
	if err != nil {
		return err
	}
	if !consented || req.HasPrompt("consent") {
		if req.HasPrompt("none") {
			// Returned, not sent, as login_required above.
			return &RedirectError{RedirectURI: req.RedirectURI, State: req.State,
				Err: oautherr.New("consent_required", "the user has not approved this client")}
		}
		return s.showConsent(ctx, ws, w, r, req, cl, sess)
	}
	return s.issueCode(ctx, ws, w, r, req, cl, sess)
}

func (s *Service) hasConsent(ctx context.Context, ws workspace.Workspace, userID, clientID, scope string) (bool, error) {
	c, err := s.Flow.Store.ConsentFor(ctx, ws.Name, userID, clientID)
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

// formState binds req to this browser's CSRF cookie and seals it for the
// page's hidden fields.
func (s *Service) formState(ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest) (csrf, sealed string, err error) {
	if csrf, err = s.csrfToken(ws, w, r); err != nil {
		return "", "", err
	}
	req.CSRF = csrf
	sealed, err = s.sealRequest(ws, req)
	return csrf, sealed, err
}

func (s *Service) showLogin(ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest, cl client.Client, problem, username string, status int) error {
	csrf, sealed, err := s.formState(ws, w, r, req)
	if err != nil {
		return err
	}
	return s.Flow.Pages.Render(w, status, "login", "Sign in", s.Issuer(ws), web.LoginPage{
		Action: "/" + ws.Name + "/login", CSRF: csrf, Request: sealed,
		ClientName: displayName(cl), Username: username, Error: problem,
	}, req.RedirectURI)
}

func (s *Service) showConsent(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest, cl client.Client, sess store.Session) error {
	u, err := s.Flow.Store.UserByID(ctx, ws.Name, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		// Deleted since its session was read: as if signed out.
		return s.askLogin(ws, w, r, req, cl)
	}
	if err != nil {
		return err
	}
	req.ShownTo = sess.ID
	csrf, sealed, err := s.formState(ws, w, r, req)
	if err != nil {
		return err
	}
	return s.Flow.Pages.Render(w, http.StatusOK, "consent", "Allow access", s.Issuer(ws), web.ConsentPage{
		Action: "/" + ws.Name + "/consent", CSRF: csrf, Request: sealed,
		ClientName: displayName(cl), LogoURI: cl.Metadata.LogoURI, PolicyURI: cl.Metadata.PolicyURI,
		TOSURI: cl.Metadata.TOSURI, Username: u.Username, Scopes: describeScopes(req.Scope),
		Unverified: cl.Provenance.Origin == client.OriginDCR,
	}, req.RedirectURI)
}

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

// Sign-in throttling, per account and per address. Each key has a gate
// in the database that lets one attempt through at a time once the key
// has failures: an attempt claims it, and on failure shuts it for a
// backoff that grows with the key's recent failures. Guesses sent in
// parallel, to any node, therefore cannot each get a password check: the
// ones that find the gate shut wait for it briefly (so a user who mistyped
// is only slowed) and are refused, unchecked, if it does not open for them.
const (
	loginWindow       = 15 * time.Minute
	freeLoginFailures = 5
	maxLoginDelay     = 5 * time.Second
	// attemptHold shuts a gate while its attempt is checked: longer than
	// a password check takes, short enough that an attempt whose node
	// died mid-check does not block the key for long.
	attemptHold         = 2 * time.Second
	loginFailureNotice  = "Wrong username or password."
	loginThrottleNotice = "Too many attempts. Wait a moment, then try again."
)

// LoginStateRetention is how long failed-login records and login gates
// matter: older ones may be collected (they count in no window).
const LoginStateRetention = loginWindow + maxLoginDelay

// gateFrom is how many recent failures make attempts go through a key's
// gate: an account's after its first, so guesses at it are checked one at
// a time; an address's only once it is throttled, because many people may
// sign in from one address at the same moment. Below that, attempts run
// concurrently (one account signed in from many browsers at once).
var gateFrom = [2]int{freeLoginFailures, 1}

// loginBackoff is how long a key's gate stays shut after its n-th failure
// in the window: not at all for the first few (typos), then a second more
// for each, up to maxLoginDelay.
func loginBackoff(n int) time.Duration {
	if n < freeLoginFailures {
		return 0
	}
	return min(time.Duration(n-freeLoginFailures+1)*time.Second, maxLoginDelay)
}

type loginVerdict int

const (
	loginRefused loginVerdict = iota // throttled: the password was not checked
	loginFailed
	loginOK
)

// Login checks the submitted credentials, starts a session and carries on
// with the pending request.
func (s *Service) Login(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, form httpapi.Form) error {
	req, err := s.openRequest(ctx, ws, r, form)
	if err != nil {
		return err
	}
	cl, err := s.Store.ClientByID(ctx, ws.Name, req.ClientID)
	if err != nil {
		return notFoundAsInvalid(err)
	}
	username := form.Get("username")
	u, verdict, err := s.attemptLogin(ctx, ws, username, form.Get("password"), remoteHost(r))
	switch {
	case err != nil:
		return err
	case verdict == loginRefused:
		return s.showLogin(ws, w, r, req, cl, loginThrottleNotice, username, http.StatusTooManyRequests)
	case verdict == loginFailed:
		return s.showLogin(ws, w, r, req, cl, loginFailureNotice, username, http.StatusUnauthorized)
	}
	sess, err := s.startSession(ctx, ws, w, u)
	if errors.Is(err, store.ErrNotFound) {
		// The password was changed (or the account deleted) while it was
		// being checked: the one checked is no longer the password, so
		// this is a failed sign-in. It is not counted against the keys:
		// the attempt was right when checked, and the next one with that
		// password fails and counts as usual.
		return s.showLogin(ws, w, r, req, cl, loginFailureNotice, username, http.StatusUnauthorized)
	}
	if err != nil {
		return err
	}
	return s.afterLogin(ctx, ws, w, r, req, cl, sess)
}

// attemptLogin runs one throttled sign-in attempt: through its gates, into
// a password-check slot, and out with the outcome recorded before the slot
// is freed, so the next attempt in the queue sees it. After an error the
// gates it holds reopen when attemptHold ends.
func (s *Service) attemptLogin(ctx context.Context, ws workspace.Workspace, username, password, addr string) (user.User, loginVerdict, error) {
	att, err := s.beginAttempt(ctx, ws, username, addr)
	if err != nil || att == nil {
		return user.User{}, loginRefused, err
	}
	release, err := passwordCheckSlot(ctx)
	if err != nil {
		return user.User{}, loginRefused, err
	}
	defer release()
	if throttled, err := s.throttledMeanwhile(ctx, ws, att); err != nil || throttled {
		return user.User{}, loginRefused, errors.Join(err, s.releaseGates(ctx, ws, att))
	}
	u, ok, err := s.checkPassword(ctx, ws, username, password)
	if err == nil {
		err = s.endAttempt(ctx, ws, att, ok)
	}
	if !ok {
		return user.User{}, loginFailed, err
	}
	return u, loginOK, err
}

// loginAttempt is a sign-in attempt let through its gates. keys[0] is the
// address, keys[1] the account: the account's gate is claimed last, so its
// hold is not spent waiting for the address's.
type loginAttempt struct {
	keys     [2]string
	failures [2]int  // each key's failures in the window before this attempt
	claimed  [2]bool // whose gate this attempt holds
}

// beginAttempt claims the gates the attempt must pass, or returns nil
// when it is to be refused unchecked.
func (s *Service) beginAttempt(ctx context.Context, ws workspace.Workspace, username, addr string) (*loginAttempt, error) {
	a := &loginAttempt{keys: [2]string{"addr:" + addr, "user:" + strings.ToLower(username)}}
	deadline := s.Time().Add(maxLoginDelay)
	for i, k := range a.keys {
		n, err := s.Flow.Store.LoginFailures(ctx, ws.Name, k, s.Time().Add(-loginWindow))
		if err != nil {
			return nil, err
		}
		a.failures[i] = n
		if n < gateFrom[i] {
			continue
		}
		ok, err := s.claimGate(ctx, ws, k, deadline)
		if err != nil || !ok {
			return nil, errors.Join(err, s.releaseGates(ctx, ws, a))
		}
		a.claimed[i] = true
	}
	return a, nil
}

// claimGate claims key's gate, waiting for it once if it opens before
// deadline. Of attempts waiting together only one gets it as it opens;
// the others give up rather than queue, so waiting cannot be used to get
// a check later.
func (s *Service) claimGate(ctx context.Context, ws workspace.Workspace, key string, deadline time.Time) (bool, error) {
	now := s.Time()
	opens, ok, err := s.Flow.Store.ClaimLoginGate(ctx, ws.Name, key, now, now.Add(attemptHold))
	if err != nil || ok || opens.After(deadline) {
		return ok, err
	}
	select {
	case <-time.After(opens.Sub(now)):
	case <-ctx.Done():
		return false, ctx.Err()
	}
	now = s.Time()
	_, ok, err = s.Flow.Store.ClaimLoginGate(ctx, ws.Name, key, now, now.Add(attemptHold))
	return ok, err
}

// throttledMeanwhile reports whether a key the attempt passed ungated has
// failed enough, while the attempt queued for a password check, to need
// its gate now. Without this a burst of guesses at an account without
// failures would all be checked: each read the count before any failed.
func (s *Service) throttledMeanwhile(ctx context.Context, ws workspace.Workspace, a *loginAttempt) (bool, error) {
	for i, k := range a.keys {
		if a.claimed[i] {
			continue
		}
		n, err := s.Flow.Store.LoginFailures(ctx, ws.Name, k, s.Time().Add(-loginWindow))
		if err != nil || n >= gateFrom[i] {
			return n >= gateFrom[i], err
		}
	}
	return false, nil
}

// releaseGates reopens the gates an attempt claimed but will not use:
// they were open when it claimed them.
func (s *Service) releaseGates(ctx context.Context, ws workspace.Workspace, a *loginAttempt) error {
	for i, k := range a.keys {
		if a.claimed[i] {
			if err := s.Flow.Store.SetLoginGate(ctx, ws.Name, k, s.Time()); err != nil {
				return err
			}
		}
	}
	return nil
}

// endAttempt records the outcome and sets each gate for the next attempt.
// A success forgets the account's failures (its owner is back) but not the
// address's: one good password from an address does not vouch for the
// other guesses made from it. A key passed ungated had no failures to
// forget, so the common sign-in writes nothing here.
func (s *Service) endAttempt(ctx context.Context, ws workspace.Workspace, a *loginAttempt, success bool) error {
	now := s.Time()
	for i, k := range a.keys {
		var err error
		switch {
		case !success:
			err = s.recordFailure(ctx, ws, k, i, a.claimed[i], now)
		case !a.claimed[i]:
		case i == 1:
			err = s.Flow.Store.ClearLoginFailures(ctx, ws.Name, k)
		default:
			err = s.Flow.Store.SetLoginGate(ctx, ws.Name, k, now.Add(loginBackoff(a.failures[i])))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// recordFailure counts a failure and shuts the gate for the backoff it
// earns, also when this attempt did not hold the gate but the failure
// brings the key to where attempts need it.
func (s *Service) recordFailure(ctx context.Context, ws workspace.Workspace, key string, i int, claimed bool, now time.Time) error {
	n, err := s.Flow.Store.RecordLoginFailure(ctx, ws.Name, key, now, now.Add(-loginWindow))
	if err != nil || (!claimed && n < gateFrom[i]) {
		return err
	}
	return s.Flow.Store.SetLoginGate(ctx, ws.Name, key, now.Add(loginBackoff(n)))
}

// dummyHash is verified against when the username is unknown, so a
// missing account takes as long as a wrong password. Made on first use:
// it costs one full argon2id hash.
var dummyHash = sync.OnceValue(func() string {
	h, _ := user.HashPassword("registrar-dummy-password", user.DefaultParams)
	return h
})

// passwordChecks bounds concurrent argon2id verifications: each takes
// 64 MiB, so an unbounded burst of logins could exhaust memory. Waiting
// logins queue instead (and the request context bounds the wait).
var passwordChecks = make(chan struct{}, MaxPasswordChecks)

// MaxPasswordChecks is how many argon2id verifications run at once.
var MaxPasswordChecks = max(2, runtime.NumCPU())

// passwordCheckSlot waits for a place among passwordChecks; call release
// when done.
func passwordCheckSlot(ctx context.Context) (release func(), err error) {
	select {
	case passwordChecks <- struct{}{}:
		return func() { <-passwordChecks }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// checkPassword runs in a passwordCheckSlot. An unknown username costs the
// same as a wrong password, and reads the same.
func (s *Service) checkPassword(ctx context.Context, ws workspace.Workspace, username, password string) (user.User, bool, error) {
	u, err := s.Flow.Store.UserByUsername(ctx, ws.Name, username)
	if errors.Is(err, store.ErrNotFound) || username == "" {
		user.VerifyPassword(password, dummyHash())
		return user.User{}, false, nil
	}
	if err != nil {
		return user.User{}, false, err
	}
	ok, err := user.VerifyPassword(password, u.PasswordHash)
	return u, ok && err == nil, nil
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Consent records the user's decision and finishes the request.
func (s *Service) Consent(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, form httpapi.Form) error {
	req, err := s.openRequest(ctx, ws, r, form)
	if err != nil {
		return err
	}
	cl, err := s.Store.ClientByID(ctx, ws.Name, req.ClientID)
	if err != nil {
		return notFoundAsInvalid(err)
	}
	sess, ok, err := s.currentSession(ctx, ws, r)
	if err != nil {
		return err
	}
	if !ok {
		return s.showLogin(ws, w, r, req, cl, "", "", http.StatusOK)
	}
	if req.ShownTo != sess.ID {
		// The browser signed in as someone else (another tab) since the
		// page was shown: its answer was not this user's, so ask them.
		return s.showConsent(ctx, ws, w, r, req, cl, sess)
	}
	if form.Get("decision") != "allow" {
		return s.redirectError(w, r, ws, req, oautherr.New("access_denied", "the user denied the request"))
	}
	if form.Get("remember") == "1" {
		err := s.Flow.Store.SaveConsent(ctx, store.Consent{Workspace: ws.Name, UserID: sess.UserID, ClientID: cl.ID, Scope: req.Scope, GrantedAt: s.Time()})
		if err != nil {
			return err
		}
	}
	return s.issueCode(ctx, ws, w, r, req, cl, sess)
}

func notFoundAsInvalid(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return oautherr.InvalidRequestf("the client no longer exists")
	}
	return err
}

// codeTTL is short: a code is redeemed within seconds (RFC 6749 §4.1.2
// caps it at 10 minutes; FAPI 2.0 at 60 seconds).
const codeTTL = 60 * time.Second

// issueCode stores a single-use code bound to everything the token
// request must match, and sends the browser back with it. The code is
// stored only if sess still exists: when it ended after it was read (a
// password change, a sign-out in another tab), the browser is asked to
// sign in again, as for a session that has expired.
func (s *Service) issueCode(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, req AuthorizeRequest, cl client.Client, sess store.Session) error {
	code, err := secret.Generate(s.Random())
	if err != nil {
		return err
	}
	now := s.Time()
	// The code's id is also its grant's: tokens of the grant are indexed by it.
	id, err := secret.TimeOrderedID(now, s.Random())
	if err != nil {
		return err
	}
	boundRedirect := ""
	if req.RedirectGiven {
		boundRedirect = req.RedirectURI
	}
	err = s.Flow.Store.CreateAuthCode(ctx, store.AuthCode{
		Workspace: ws.Name, ID: id, Hash: s.Hasher.Hash(purposeCode, code), ClientID: req.ClientID,
		UserID: sess.UserID, RedirectURI: boundRedirect, Scope: req.Scope, Resources: req.Resources,
		Nonce: req.Nonce, CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod,
		AuthTime: sess.AuthTime, AMR: sess.AMR, GrantID: id, IssuedAt: now, ExpiresAt: now.Add(codeTTL),
	}, sess.ID)
	if errors.Is(err, store.ErrNotFound) {
		return s.askLogin(ws, w, r, req, cl)
	}
	if err != nil {
		return err
	}
	s.redirect(w, r, ws, req, url.Values{"code": {code}})
	return nil
}

const purposeCode = "authorization_code"

// redirect sends the authorization response to the client (RFC 6749
// §4.1.2) with state and iss (RFC 9207), using 303 so a POSTed form is
// never re-posted to the client (RFC 9700 §4.12).
func (s *Service) redirect(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, req AuthorizeRequest, params url.Values) {
	u, _ := url.Parse(req.RedirectURI)
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	q.Set("iss", s.Issuer(ws))
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (s *Service) redirectError(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, req AuthorizeRequest, e *oautherr.Error) error {
	s.redirect(w, r, ws, req, url.Values{"error": {e.Code}, "error_description": {e.Description}})
	return nil
}
