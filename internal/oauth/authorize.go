package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// AuthorizeRequest is a validated authorization request (RFC 6749 §4.1.1,
// OIDC Core §3.1.2.1). The browser flow (internal/interact) carries it
// through the login and consent pages sealed, so it cannot be altered on
// the way.
type AuthorizeRequest struct {
	ClientID            string   `json:"client_id"`
	RedirectURI         string   `json:"redirect_uri"`
	RedirectGiven       bool     `json:"redirect_given"`
	ResponseType        string   `json:"response_type"`
	Scope               string   `json:"scope"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	MaxAge              *int64   `json:"max_age,omitempty"`
	LoginHint           string   `json:"login_hint,omitempty"`
	Resources           []string `json:"resource,omitempty"`
	// Pushed: the request came through the pushed authorization request
	// endpoint (RFC 9126), where the client authenticated.
	Pushed bool `json:"pushed,omitempty"`
}

// HasPrompt reports whether prompt includes p.
func (r AuthorizeRequest) HasPrompt(p string) bool { return slices.Contains(r.Prompt, p) }

// RedirectError is an error to send back to the client's redirect URI
// (RFC 6749 §4.1.2.1) rather than show on a page.
type RedirectError struct {
	Err         *oautherr.Error
	RedirectURI string
	State       string
}

func (e *RedirectError) Error() string { return e.Err.Error() }
func (e *RedirectError) Unwrap() error { return e.Err }

// Params are the raw request parameters: every name with all its values,
// so repeats can be refused (RFC 6749 §3.1).
type Params map[string][]string

func (p Params) single(name string) (string, error) {
	vs := p[name]
	if len(vs) > 1 {
		return "", oautherr.InvalidRequestf("parameter %q is repeated", name)
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

// ErrClientDisabled is the cause under the refusal of an authorization
// request from a client an operator disabled: the error page tells the
// person that, not to report a bad request to the app's developer.
var ErrClientDisabled = errors.New("disabled by an operator")

// ParseAuthorize validates an authorization request in two phases. Until
// the client and redirect URI are known good, errors are returned as
// plain *oautherr.Error for an error page: redirecting to an unverified
// URI would make us an open redirector (RFC 6749 §4.1.2.1, §3.1.2.4).
// After that, errors are *RedirectError. A request_uri (RFC 9126) or a
// request object (RFC 9101) takes the place of the other parameters.
func (s *Service) ParseAuthorize(ctx context.Context, ws workspace.Workspace, p Params) (AuthorizeRequest, client.Client, error) {
	var req AuthorizeRequest
	var err error
	if req.ClientID, err = p.single("client_id"); err != nil {
		return req, client.Client{}, err
	}
	if req.ClientID == "" {
		return req, client.Client{}, oautherr.InvalidRequestf("client_id is required")
	}
	cl, err := s.Store.CachedClientByID(ctx, ws.Name, req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return req, cl, oautherr.InvalidRequestf("unknown client")
	}
	if err == nil && cl.Disabled() {
		// Shown on the error page, never sent to a redirect URI.
		return req, client.Client{}, oautherr.InvalidRequestf("the client is disabled").WithCause(ErrClientDisabled)
	}
	if err != nil {
		return req, cl, err
	}
	p, pushed, err := s.requestParams(ctx, ws, cl, p)
	if err != nil {
		return req, cl, err
	}
	req, err = s.validateAuthorize(ws, cl, p, pushed)
	return req, cl, err
}

// requestParams are the parameters the request stands for: those pushed
// under its request_uri (pushed true), those of its request object, or
// its own. Errors here are for a page: the redirect URI is not known yet.
func (s *Service) requestParams(ctx context.Context, ws workspace.Workspace, cl client.Client, p Params) (Params, bool, error) {
	uri, err := p.single("request_uri")
	if err != nil {
		return nil, false, err
	}
	_, hasObject := p["request"]
	switch {
	case uri != "" && hasObject:
		return nil, false, oautherr.InvalidRequestf("request and request_uri cannot both be sent")
	case uri != "":
		// RFC 9126 §4: the pushed parameters only; client_id must be the
		// pusher's, which openPushed checks.
		pushed, err := s.openPushed(ctx, ws, cl, uri)
		return pushed, err == nil, err
	case hasObject:
		objectParams, err := s.requestObjectParams(ctx, ws, cl, p)
		return objectParams, false, err
	}
	return p, false, nil
}

// validateAuthorize checks the parameters of cl's authorization request;
// pushed says they came through the pushed authorization request
// endpoint.
func (s *Service) validateAuthorize(ws workspace.Workspace, cl client.Client, p Params, pushed bool) (AuthorizeRequest, error) {
	req := AuthorizeRequest{ClientID: cl.ID, Pushed: pushed}
	redirect, err := p.single("redirect_uri")
	if err != nil {
		return req, err
	}
	if req.RedirectURI, err = matchRedirect(cl, redirect); err != nil {
		return req, err
	}
	req.RedirectGiven = redirect != ""
	req.State, _ = p.single("state")
	redirectErr := func(e *oautherr.Error) error {
		return &RedirectError{Err: e, RedirectURI: req.RedirectURI, State: req.State}
	}
	for name := range p {
		if len(p[name]) > 1 && name != "resource" {
			return req, redirectErr(oautherr.InvalidRequestf("parameter %q is repeated", name))
		}
	}
	if why := ws.Settings.ProfileRefusesClient(cl.Metadata); why != "" {
		return req, redirectErr(oautherr.New(oautherr.UnauthorizedClient, "%s", why))
	}
	if !pushed && (ws.Settings.RequirePushedAuthorizationRequests || cl.Metadata.RequirePushedAuthorizationRequests) {
		// RFC 9126 §5, §6.
		return req, redirectErr(oautherr.InvalidRequestf("authorization requests must be pushed first: send them to the pushed authorization request endpoint and pass the request_uri it returns"))
	}
	if e := s.parseAuthorizeParams(ws, cl, p, &req); e != nil {
		return req, redirectErr(e)
	}
	if !req.RedirectGiven && ws.Settings.IsProfile(workspace.ProfileFAPI2) {
		// FAPI 2.0 §5.3.2.2: the pushed request names its redirect_uri.
		return req, oautherr.InvalidRequestf("redirect_uri is required under the FAPI 2.0 profile, even with one registered URI")
	}
	if !req.RedirectGiven && slices.Contains(strings.Fields(req.Scope), "openid") {
		// OIDC Core §3.1.2.1: REQUIRED, even with one registered URI.
		return req, oautherr.InvalidRequestf("redirect_uri is required in an OpenID Connect request (scope openid)")
	}
	return req, nil
}

func (s *Service) parseAuthorizeParams(ws workspace.Workspace, cl client.Client, p Params, req *AuthorizeRequest) *oautherr.Error {
	get := func(name string) string { v, _ := p.single(name); return v }
	// requestParams has replaced both by the parameters they stand for;
	// one left is nested in a request object or pushed request.
	if _, ok := p["request"]; ok {
		return oautherr.InvalidRequestf("request cannot be nested")
	}
	if _, ok := p["request_uri"]; ok {
		return oautherr.InvalidRequestf("request_uri cannot be nested")
	}
	if e := parseResponse(cl, get("response_type"), get("response_mode"), req); e != nil {
		return e
	}
	scope, err := grantedScope(get("scope"), cl.Metadata.Scope, ws.Settings.Scopes)
	if err != nil {
		var oe *oautherr.Error
		errors.As(err, &oe)
		return oe
	}
	req.Scope = scope
	req.Nonce = get("nonce")
	req.LoginHint = get("login_hint")
	if e := parsePrompt(get("prompt"), req); e != nil {
		return e
	}
	if e := parseMaxAge(get("max_age"), cl, req); e != nil {
		return e
	}
	if e := parsePKCE(ws, cl, get("code_challenge"), get("code_challenge_method"), req); e != nil {
		return e
	}
	return parseResources(ws, p["resource"], req)
}

// parseResponse checks what the client asks to receive and how. Only the
// query response mode exists here (as discovery says): answering in the
// query a client that waits for a form post or a fragment would lose the
// response, so another mode is refused rather than ignored.
func parseResponse(cl client.Client, responseType, mode string, req *AuthorizeRequest) *oautherr.Error {
	if responseType == "" {
		return oautherr.InvalidRequestf("response_type is required")
	}
	if responseType != client.ResponseTypeCode {
		return oautherr.New("unsupported_response_type", "only response_type=code is supported")
	}
	if !slices.Contains(cl.Metadata.ResponseTypes, responseType) {
		return oautherr.New(oautherr.UnauthorizedClient, "the client is not registered for response_type code")
	}
	// A code is only worth its exchange: a client that may not use the
	// authorization_code grant gets none, whatever response types it
	// holds (a workspace's registration defaults may give it "code").
	if !slices.Contains(cl.Metadata.Grants(), client.GrantAuthorizationCode) {
		return oautherr.New(oautherr.UnauthorizedClient, "the client is not registered for the authorization_code grant, so it gets no code")
	}
	if mode != "" && mode != "query" {
		return oautherr.InvalidRequestf("response_mode %q is not supported; use query", mode)
	}
	req.ResponseType = responseType
	return nil
}

// matchRedirect: exact string match against the registered URIs (RFC 9700
// §4.1.3), except that a native client's loopback URI may use any port
// (RFC 8252 §7.3). Omitted only when exactly one is registered.
func matchRedirect(cl client.Client, given string) (string, error) {
	matched, err := findRedirect(cl, given)
	if err != nil {
		return "", err
	}
	// A client registered before registration refused second spellings
	// may still hold one: the browser would take the code elsewhere.
	if err := client.CheckRedirectSpelling(matched); err != nil {
		return "", oautherr.InvalidRequestf("the registered redirect URI is refused: %v; the client must register it again in its normal form", err)
	}
	return matched, nil
}

func findRedirect(cl client.Client, given string) (string, error) {
	registered := cl.Metadata.RedirectURIs
	if given == "" {
		if len(registered) == 1 {
			return registered[0], nil
		}
		return "", oautherr.InvalidRequestf("redirect_uri is required")
	}
	if slices.Contains(registered, given) {
		return given, nil
	}
	if cl.Metadata.ApplicationType == client.ApplicationTypeNative && loopbackMatch(registered, given) {
		return given, nil
	}
	return "", oautherr.InvalidRequestf("redirect_uri does not match a registered redirect URI")
}

// loopbackMatch: the given URI equals a registered loopback URI once its
// port is set to the registered one, so scheme, host, path and query must
// be identical. "localhost" counts as loopback because registration
// accepts it for native clients (RFC 8252 §7.3 allows any port for them).
// Any port means any a TCP listener can have, as registration requires:
// the browser is sent there, and 0 or 99999 is no address at all.
func loopbackMatch(registered []string, given string) bool {
	g, err := url.Parse(given)
	// url.Parse lowercases the scheme: "httP://127.0.0.1/cb" would
	// compare equal, yet it is not the string the client registered.
	// Only the canonical spelling may differ from a registered URI, and
	// only in its port.
	if err != nil || g.String() != given || g.Scheme != "http" || !client.IsLoopbackHost(g.Hostname()) || client.CheckPort(g) != nil {
		return false
	}
	for _, r := range registered {
		u, err := url.Parse(r)
		if err != nil || u.Scheme != "http" || u.Hostname() != g.Hostname() {
			continue
		}
		sameButPort := *g
		sameButPort.Host = u.Host
		if sameButPort.String() == u.String() {
			return true
		}
	}
	return false
}

// promptValues are the prompt values the browser flow honours; discovery
// publishes exactly these (prompt_values_supported).
var promptValues = []string{"none", "login", "consent"}

func parsePrompt(raw string, req *AuthorizeRequest) *oautherr.Error {
	for _, v := range strings.Fields(raw) {
		switch {
		case slices.Contains(promptValues, v):
			req.Prompt = append(req.Prompt, v)
		case v == "select_account":
			// A browser holds one session here: there is no account to
			// choose among, and going on with the session would ignore the
			// request. OIDC Core §3.1.2.1: an AS that cannot obtain the
			// user's choice returns an error, account_selection_required.
			return oautherr.New("account_selection_required", "choosing among accounts is not supported; use prompt=login to sign in as another user")
		default:
			// create among them: Initiating User Registration §4 asks for
			// invalid_request on a value not in prompt_values_supported.
			return oautherr.InvalidRequestf("prompt %q is not supported", v)
		}
	}
	// OIDC Core §3.1.2.1: none with any other value is an error.
	if req.HasPrompt("none") && len(req.Prompt) > 1 {
		return oautherr.InvalidRequestf("prompt=none cannot be combined with other values")
	}
	return nil
}

func parseMaxAge(raw string, cl client.Client, req *AuthorizeRequest) *oautherr.Error {
	if raw == "" {
		req.MaxAge = cl.Metadata.DefaultMaxAge
		return nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < 0 {
		return oautherr.InvalidRequestf("max_age must be a non-negative integer")
	}
	req.MaxAge = &v
	return nil
}

// parsePKCE: RFC 7636 §4.3/§4.4.1 and RFC 9700 §2.1.1 — required for public
// clients and, by workspace setting, for all; plain refused unless enabled,
// and always for public clients: with no client secret behind it, a plain
// challenge seen in the front channel is all an attacker needs.
func parsePKCE(ws workspace.Workspace, cl client.Client, challenge, method string, req *AuthorizeRequest) *oautherr.Error {
	public := cl.Metadata.AuthMethod() == client.AuthNone
	required := public || ws.Settings.RequirePKCE
	if challenge == "" {
		if method != "" {
			return oautherr.InvalidRequestf("code_challenge_method without code_challenge")
		}
		if required {
			return oautherr.InvalidRequestf("PKCE is required: send code_challenge with code_challenge_method=S256")
		}
		return nil
	}
	if method == "" {
		method = PKCEPlain // RFC 7636 §4.3 default
	}
	if method != PKCES256 && !(method == PKCEPlain && ws.Settings.AllowPlainPKCE && !public) {
		return oautherr.InvalidRequestf("code_challenge_method %q is not supported; use S256", method)
	}
	if !validPKCEValue(challenge) {
		return oautherr.InvalidRequestf("code_challenge is malformed")
	}
	req.CodeChallenge, req.CodeChallengeMethod = challenge, method
	return nil
}

// parseResources: RFC 8707 §2 — absolute URIs without fragment, limited
// to the resources the workspace allows.
func parseResources(ws workspace.Workspace, values []string, req *AuthorizeRequest) *oautherr.Error {
	for _, r := range values {
		if err := checkResource(ws, r); err != nil {
			return err
		}
		if !slices.Contains(req.Resources, r) {
			req.Resources = append(req.Resources, r)
		}
	}
	return nil
}

func checkResource(ws workspace.Workspace, r string) *oautherr.Error {
	u, err := url.Parse(r)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(r, "#") {
		return oautherr.New(oautherr.InvalidTarget, "resource %q must be an absolute URI without a fragment", r)
	}
	if !slices.Contains(ws.Settings.Resources, r) {
		return oautherr.New(oautherr.InvalidTarget, "resource %q is not served by this workspace", r)
	}
	return nil
}
