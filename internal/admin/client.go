package admin

import (
	"context"
	"errors"
	"slices"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// NewClient asks for a client made by an operator.
type NewClient struct {
	Workspace string
	Metadata  client.Metadata
	// Origin is client.OriginCLI or client.OriginAdmin: which front end
	// the operator used.
	Origin string
}

// CreatedClient is a stored client with its one-time secret (empty for
// clients that do not authenticate with a shared secret).
type CreatedClient struct {
	Client client.Client
	Secret string
}

// What an operator's client may use: everything the server implements,
// whatever a workspace allows self-registered clients.
var (
	operatorGrantTypes    = []string{client.GrantClientCredentials, client.GrantAuthorizationCode, client.GrantRefreshToken}
	operatorResponseTypes = []string{client.ResponseTypeCode}
	operatorAuthMethods   = oauth.AuthMethods(true)
)

// operatorPolicy is what an operator's client must satisfy. It is wider
// than a workspace's DCR policy, as an operator is trusted where a
// stranger is not: any workspace scope, the registration scope included
// (the bootstrap client's); any grant type and auth method the server
// implements; redirect URIs on any host (registration's redirect
// allow-lists are for strangers), and plain http to a loopback host for a
// web client in development. The rules no client may break, whoever
// makes it, still apply: valid metadata, redirect URIs a code may safely
// go to, the workspace's token lifetime maxima and its profile.
func operatorPolicy(s workspace.Settings) client.Policy {
	return s.HoldToProfile(client.Policy{
		Scopes:                      s.Scopes,
		GrantTypes:                  operatorGrantTypes,
		ResponseTypes:               operatorResponseTypes,
		AuthMethods:                 operatorAuthMethods,
		SigningAlgs:                 workspace.SigningAlgs,
		AssertionAlgs:               s.AssertionAlgs(),
		AllowUnsignedRequestObjects: s.RequestObjects.AllowUnsigned,
		LoopbackHTTPForWeb:          true,
		MaxAccessTokenTTL:           s.AccessTokenTTL,
		MaxRefreshTokenTTL:          s.RefreshTokenTTL,
		MaxIDTokenTTL:               s.IDTokenTTL,
	})
}

// withCodeResponse pairs the code grant with response type code (RFC 7591
// §2.1), or the client could never use the authorization endpoint.
func withCodeResponse(md client.Metadata) client.Metadata {
	if md.ResponseTypes == nil && slices.Contains(md.GrantTypes, client.GrantAuthorizationCode) {
		md.ResponseTypes = []string{client.ResponseTypeCode}
	}
	return md
}

// CheckClientMetadata is CreateClient's validation of md short of the
// workspace's scopes: a front end refuses what could never be created
// before it opens a store. Errors are *oautherr.Error, as from DCR.
func CheckClientMetadata(md client.Metadata) error {
	md.Scope = ""
	_, err := client.Validate(withCodeResponse(md), operatorPolicy(workspace.Settings{}))
	return err
}

// CreateClient validates the metadata against operatorPolicy and stores
// the client; invalid metadata is refused with an *oautherr.Error
// (invalid_client_metadata or invalid_redirect_uri) and nothing is
// stored. The record keeps the metadata as the operator gave it, the RFC
// defaults left implicit, as readers apply them: Validate's defaults
// would, for one, make a client with loopback redirect URIs only native
// and let its redirect port vary.
func (s *Service) CreateClient(ctx context.Context, req NewClient) (CreatedClient, error) {
	ws, err := s.Workspace(ctx, req.Workspace)
	if err != nil {
		return CreatedClient{}, err
	}
	md := withCodeResponse(req.Metadata)
	if _, err := client.Validate(md, operatorPolicy(ws.Settings)); err != nil {
		return CreatedClient{}, err
	}
	cl, plainSecret, err := client.New(s.Time(), s.Random(), s.Hasher, s.Secrets, ws.Name, md, client.Provenance{Origin: req.Origin})
	if err != nil {
		return CreatedClient{}, err
	}
	if err := s.insertClient(ctx, cl); err != nil {
		return CreatedClient{}, err
	}
	return CreatedClient{Client: cl, Secret: plainSecret}, nil
}

// insertClient stores a new client with its audit event, in one
// transaction, when an admin front end acts (a registration without a
// credential to consume); the CLI's own insert has no event.
func (s *Service) insertClient(ctx context.Context, cl client.Client) error {
	event, err := s.auditEvent(ctx, cl.Workspace, ActionClientCreate, cl.ID)
	if err != nil {
		return err
	}
	if event.ID == "" {
		return s.Store.CreateClient(ctx, cl)
	}
	return s.Store.RegisterClient(ctx, cl, store.CredentialUse{}, event, 0)
}

// Clients lists the clients of a workspace, oldest first.
func (s *Service) Clients(ctx context.Context, wsName string) ([]client.Client, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return nil, err
	}
	return s.Store.ListClients(ctx, wsName, store.Page{})
}

// Client returns one client.
func (s *Service) Client(ctx context.Context, wsName, id string) (client.Client, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return client.Client{}, err
	}
	cl, err := s.Store.ClientByID(ctx, wsName, id)
	if errors.Is(err, store.ErrNotFound) {
		return cl, MissingClient(wsName, id)
	}
	return cl, err
}

// MissingClient is the refusal for a client a workspace does not hold.
func MissingClient(wsName, id string) *Error {
	return refuse(ErrNotFound, "no client %q in workspace %s", id, wsName)
}

// DeleteClient deletes a client and every token issued to it.
func (s *Service) DeleteClient(ctx context.Context, wsName, id string) error {
	_, err := s.changeClient(ctx, wsName, id, ActionClientDelete, func(*client.Client) (store.ClientChange, error) {
		return store.ClientDeleted, nil
	})
	return err
}

// ReissuedToken is a self-registered client's new registration access
// token (RFC 7592), to be shown once.
type ReissuedToken struct {
	ClientID  string `json:"client_id"`
	Token     string `json:"registration_access_token"`
	ExpiresIn int64  `json:"registration_access_token_expires_in"`
	ClientURI string `json:"registration_client_uri"`
	Workspace string `json:"workspace"`
}

// ReissueRegistrationToken gives a self-registered client a new
// registration access token, for one whose token expired or was lost
// (registration.Service.ReissueRegistrationToken says why); the previous
// token stops working. A client an operator made has none and is refused
// as a conflict.
func (s *Service) ReissueRegistrationToken(ctx context.Context, wsName, id string) (ReissuedToken, error) {
	ws, err := s.Workspace(ctx, wsName)
	if err != nil {
		return ReissuedToken{}, err
	}
	// The admin's event replaces the one registration writes for an
	// operator, in the same transaction as the new token.
	event, err := s.auditEvent(ctx, wsName, ActionClientReissueToken, id)
	if err != nil {
		return ReissuedToken{}, err
	}
	resp, err := s.Registration.ReissueRegistrationToken(ctx, ws, id, event)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ReissuedToken{}, MissingClient(wsName, id)
	case errors.Is(err, registration.ErrNotSelfRegistered), errors.Is(err, registration.ErrNoRegistrationTokens):
		return ReissuedToken{}, refuse(ErrConflict, "client %s: %v", id, err)
	case err != nil:
		return ReissuedToken{}, err
	}
	token, _ := resp["registration_access_token"].(string)
	expiresIn, _ := resp["registration_access_token_expires_in"].(int64)
	uri, _ := resp["registration_client_uri"].(string)
	return ReissuedToken{ClientID: id, Workspace: wsName, Token: token, ExpiresIn: expiresIn, ClientURI: uri}, nil
}

// Bootstrap creates the client allowed to obtain the registration scope
// (access tokens that serve as initial access tokens) in the default workspace, the first
// time a server starts on a store whose default workspace has no clients
// yet. It returns nil when there is nothing to hand out: another start
// (perhaps a concurrent one on another node) claimed it, or an operator
// already made clients, or the workspace names no registration scope it
// has (operator tokens only), which would leave the client nothing to do;
// the claim then waits for a start that has one.
func (s *Service) Bootstrap(ctx context.Context) (*CreatedClient, error) {
	ws, err := s.Store.WorkspaceByName(ctx, workspace.DefaultName)
	if err != nil || !slices.Contains(ws.Settings.Scopes, ws.Settings.Registration.Scope) {
		return nil, err
	}
	boot := NewClient{
		Workspace: workspace.DefaultName,
		Origin:    client.OriginCLI,
		Metadata: client.Metadata{
			ClientName:              "Registrar bootstrap client",
			GrantTypes:              []string{client.GrantClientCredentials},
			TokenEndpointAuthMethod: client.AuthClientSecretBasic,
			Scope:                   ws.Settings.Registration.Scope,
		},
	}
	// A profile that refuses client secrets (fapi2) leaves the workspace
	// to operator tokens: there is no client to hand out.
	if ws.Settings.ProfileRefusesClient(boot.Metadata) != "" {
		return nil, nil
	}
	// Checked before the claim, which a refusal would spend for nothing.
	if _, err := client.Validate(withCodeResponse(boot.Metadata), operatorPolicy(ws.Settings)); err != nil {
		return nil, err
	}
	won, err := s.Store.ClaimBootstrap(ctx, workspace.DefaultName, s.Time())
	if err != nil || !won {
		return nil, err
	}
	if n, err := s.Store.CountClients(ctx, workspace.DefaultName); err != nil || n > 0 {
		return nil, err
	}
	created, err := s.CreateClient(ctx, boot)
	if err != nil {
		return nil, err
	}
	return &created, nil
}
