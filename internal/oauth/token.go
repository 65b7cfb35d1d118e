package oauth

import (
	"context"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TokenResponse is the RFC 6749 §5.1 success body.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// TokenRequest is the parameters of a token request (RFC 6749 §4.1.3,
// §4.4.2, §6; RFC 7636 §4.5; RFC 8707 §2). The client's credentials are
// not among them: they are the request's ClientEvidence.
type TokenRequest struct {
	GrantType    string
	Scope        string
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	Resources    []string

	// certThumbprint is the x5t#S256 of the client certificate the
	// request came with ("" for none), what tokens are bound to: Token
	// sets it from the client's evidence.
	certThumbprint string
}

// grantHandler serves one grant type for an authenticated client.
type grantHandler func(s *Service, ctx context.Context, ws workspace.Workspace, cl client.Client, req TokenRequest) (TokenResponse, error)

// grants lists the grant types this server really supports; discovery
// advertises exactly these keys. The password grant is absent on purpose
// (RFC 9700 §2.4).
var grants = map[string]grantHandler{
	client.GrantClientCredentials: (*Service).grantClientCredentials,
}

// flowGrants need the browser flow's store.
var flowGrants = map[string]grantHandler{
	client.GrantAuthorizationCode: (*Service).grantAuthorizationCode,
	client.GrantRefreshToken:      (*Service).grantRefreshToken,
}

// grant returns the handler of grantType if this service supports it.
func (s *Service) grant(grantType string) (grantHandler, bool) {
	if h, ok := grants[grantType]; ok {
		return h, true
	}
	if s.Flow != nil {
		h, ok := flowGrants[grantType]
		return h, ok
	}
	return nil, false
}

// SupportedGrantTypes lists the grant types in a stable order.
func (s *Service) SupportedGrantTypes() []string {
	var out []string
	for g := range grants {
		out = append(out, g)
	}
	if s.Flow != nil {
		for g := range flowGrants {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// Token runs the token endpoint: authenticate the client (RFC 6749 §3.2.1),
// check it may use the grant, then run the grant.
func (s *Service) Token(ctx context.Context, ws workspace.Workspace, ev ClientEvidence, req TokenRequest) (TokenResponse, error) {
	if req.GrantType == "" {
		return TokenResponse{}, oautherr.InvalidRequestf("grant_type is required")
	}
	handle, ok := s.grant(req.GrantType)
	if !ok {
		return TokenResponse{}, oautherr.New(oautherr.UnsupportedGrantType, "grant_type %q is not supported", req.GrantType)
	}
	cl, err := s.Authenticate(ctx, ws, ev)
	if err != nil {
		return TokenResponse{}, err
	}
	if !slices.Contains(cl.Metadata.Grants(), req.GrantType) {
		return TokenResponse{}, oautherr.New(oautherr.UnauthorizedClient, "the client is not registered for grant_type %s", req.GrantType)
	}
	req.certThumbprint = presentedThumbprint(ev.Certificates)
	if err := requireBinding(cl, req.certThumbprint); err != nil {
		return TokenResponse{}, err
	}
	resp, err := handle(s, ctx, ws, cl, req)
	if err == nil && cl.FirstTokenAt.IsZero() {
		s.markUsed(ctx, ws, cl)
	}
	return resp, err
}

// markUsed records the client's first token, which keeps it from expiring
// as unused (registration.unused_client_ttl). Once per client: later
// tokens see the mark and write nothing. A failure costs the token
// nothing, and the next token tries again.
func (s *Service) markUsed(ctx context.Context, ws workspace.Workspace, cl client.Client) {
	if err := s.Store.MarkClientUsed(ctx, ws.Name, cl.ID, s.Time()); err != nil {
		httpapi.Logger(ctx).Warn("recording a client's first token", "client_id", cl.ID, "err", err)
	}
}

// grantClientCredentials: RFC 6749 §4.4. Only confidential clients may use
// it, and no refresh token is issued (§4.4.3).
func (s *Service) grantClientCredentials(ctx context.Context, ws workspace.Workspace, cl client.Client, req TokenRequest) (TokenResponse, error) {
	if cl.Metadata.AuthMethod() == client.AuthNone {
		return TokenResponse{}, oautherr.New(oautherr.UnauthorizedClient, "public clients cannot use client_credentials")
	}
	scope, err := grantedScope(req.Scope, cl.Metadata.Scope, ws.Settings.Scopes)
	if err != nil {
		return TokenResponse{}, err
	}
	resources, err := requestedResources(ws, req.Resources, nil, false)
	if err != nil {
		return TokenResponse{}, err
	}
	tok, err := s.issueAccessToken(ctx, ws, cl, accessGrant{
		Subject: cl.ID, Scope: scope, Resources: resources, GrantType: client.GrantClientCredentials,
		CertThumbprint: accessBinding(cl, req.certThumbprint),
	})
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: tok.Value, TokenType: "Bearer", ExpiresIn: tok.ExpiresIn, Scope: tok.Scope}, nil
}

// grantedScope checks the requested scope (RFC 6749 §3.3) is within the
// client's registered scope and the workspace's; an absent request means
// the client's whole registered scope.
func grantedScope(requested, registered string, workspaceScopes []string) (string, error) {
	allowed := strings.Fields(registered)
	if requested == "" {
		return strings.Join(filterKnown(allowed, workspaceScopes), " "), nil
	}
	var granted []string
	for _, sc := range strings.Split(requested, " ") {
		if !client.ValidScopeToken(sc) {
			return "", oautherr.InvalidScopef("scope %q is malformed", requested)
		}
		if !slices.Contains(allowed, sc) || !slices.Contains(workspaceScopes, sc) {
			return "", oautherr.InvalidScopef("scope %q is not allowed for this client", sc)
		}
		if !slices.Contains(granted, sc) {
			granted = append(granted, sc)
		}
	}
	return strings.Join(granted, " "), nil
}

func filterKnown(scopes, known []string) []string {
	out := scopes[:0:0]
	for _, sc := range scopes {
		if slices.Contains(known, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// requestedResources checks RFC 8707 resource parameters of a token
// request: each must be a resource of the workspace and, when the grant is
// bound to resources, one of granted (RFC 8707 §2.2: a token request can
// narrow, never widen). Without any, granted stands. A client_credentials
// request and a code authorized without resources are unbound; a refresh
// token is always bound, even to none, so a refresh cannot add an audience.
func requestedResources(ws workspace.Workspace, requested, granted []string, bound bool) ([]string, error) {
	if len(requested) == 0 {
		return granted, nil
	}
	var out []string
	for _, r := range requested {
		if e := checkResource(ws, r); e != nil {
			return nil, e
		}
		if bound && !slices.Contains(granted, r) {
			return nil, oautherr.New(oautherr.InvalidTarget, "resource %q was not authorized for this grant", r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}
