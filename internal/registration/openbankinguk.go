package registration

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Open Banking UK DCR v3.2 and v3.3 (workspace profile openbanking_uk):
// the statement and signed-body rules are the workspace's settings
// (workspace.openBankingUKDefaults), the role scopes and bound keys the
// statement's (statement.go); this file holds what the profile adds to
// the pipeline: its endpoints, its transport and its management.

// registrationEndpoints are the registration endpoints ws serves,
// relative to its issuer.
func registrationEndpoints(ws workspace.Workspace) []string {
	if ws.Settings.IsProfile(workspace.ProfileOpenBankingUK) {
		return append([]string{httpapi.RegisterPath}, httpapi.OpenBankingUKRegisterPaths...)
	}
	return []string{httpapi.RegisterPath}
}

// servesEndpoint: an Open Banking UK endpoint exists only in a workspace
// of that profile; elsewhere it is 404, as any unknown path.
func servesEndpoint(ws workspace.Workspace, endpoint string) error {
	if endpoint == "" || endpoint == httpapi.RegisterPath || ws.Settings.IsProfile(workspace.ProfileOpenBankingUK) {
		return nil
	}
	return oautherr.New(oautherr.NotFound, "no such endpoint: this workspace is not of profile openbanking_uk")
}

// checkTransport: an Open Banking UK registration comes over mutual TLS,
// the third party presenting its transport certificate, which must chain
// to the workspace's client CA as a tls_client_auth client's must.
func (s *Service) checkTransport(ws workspace.Workspace, req Request) error {
	if !ws.Settings.IsProfile(workspace.ProfileOpenBankingUK) {
		return nil
	}
	if len(req.Certificates) == 0 {
		return oautherr.InvalidRequestf("a client certificate is required: register over mutual TLS with the software's transport certificate")
	}
	if s.Certificates == nil || s.Certificates.VerifyChain(req.Certificates) != nil {
		return oautherr.InvalidRequestf("the client certificate does not chain to a client CA this server trusts, or is not valid now for client authentication")
	}
	return nil
}

// checkTransportNames: an Open Banking UK client registered for
// tls_client_auth names the transport certificate it registers with, so
// that it can authenticate with it; a name of another certificate would
// register a client that no certificate it holds can authenticate, or one
// that borrows another party's.
func (s *Service) checkTransportNames(ws workspace.Workspace, transport []*x509.Certificate, md client.Metadata) error {
	if !ws.Settings.IsProfile(workspace.ProfileOpenBankingUK) || md.AuthMethod() != client.AuthTLSClientAuth {
		return nil
	}
	if len(transport) == 0 || s.Certificates == nil || !s.Certificates.NamesClient(transport[0], md) {
		return oautherr.InvalidMetadata("tls_client_auth_subject_dn: does not name the transport certificate this registration was sent with (compared as the token endpoint compares it)")
	}
	return nil
}

// boundToCertificate: an Open Banking UK client that authenticates with
// mutual TLS gets certificate-bound tokens (RFC 8705 §3), as FAPI asks
// of it; other clients keep what they registered.
func boundToCertificate(ws workspace.Workspace, md client.Metadata) client.Metadata {
	if ws.Settings.IsProfile(workspace.ProfileOpenBankingUK) && md.TokenEndpointAuthMethod == client.AuthTLSClientAuth {
		md.TLSClientCertificateBoundAccessToken = true
	}
	return md
}

// accessTokenAuthenticator is Open Banking UK's management: a call on
// …/register/{client_id} is authorized by an access token the client got
// for itself by client_credentials (its subject is the client), in place
// of a registration access token, which the profile's clients are not
// issued.
type accessTokenAuthenticator struct {
	tokens TokenVerifier
	certs  CertificateChecker
}

// Prepare verifies the bearer token before the client is read: it may
// read the token store, which the client's transaction must not wait on.
func (a accessTokenAuthenticator) Prepare(ctx context.Context, ws workspace.Workspace, req Request) (Request, error) {
	if req.Bearer == "" || req.Bearer == malformedBearer {
		return req, nil
	}
	at, err := a.tokens.VerifyAccessToken(ctx, ws, req.Bearer)
	if errors.Is(err, ErrInactiveToken) {
		return req, nil
	}
	if err != nil {
		return req, err
	}
	req.accessToken = &at
	return req, nil
}

// Authenticate accepts the client's own client_credentials token; the
// grant names the token presented, for the audit.
func (a accessTokenAuthenticator) Authenticate(_ context.Context, _ workspace.Workspace, cl client.Client, req Request) (grant, error) {
	at := req.accessToken
	if at == nil || at.ClientID != cl.ID || at.Subject != cl.ID || !a.boundTo(*at, req) {
		return unmatchedGrant, a.Unauthorized(req)
	}
	return grant{use: store.CredentialUse{Kind: store.CredentialAccessToken, ID: at.ID}}, nil
}

// Unauthorized: one refusal for a client that does not exist, a token
// of another client or of a user, and a token that is no token.
func (accessTokenAuthenticator) Unauthorized(req Request) error {
	if req.Bearer == "" {
		return errBearerRequired("an access token the client got by client_credentials")
	}
	return errBearer("the access token is invalid for this client: use one the client got by client_credentials")
}

func (accessTokenAuthenticator) IssuesRegistrationTokens() bool { return false }

// revokeMisusedToken: an access token presented to manage a client that
// is not its own, or none, is revoked (Open Banking UK DCR: 401, and the
// token revoked), so that a party probing others' registrations loses
// the token it probes with. The refusal stands whether or not this works.
func (s *Service) revokeMisusedToken(ctx context.Context, ws workspace.Workspace, clientID string, req Request) {
	at := req.accessToken
	if at == nil || at.ClientID == clientID {
		return
	}
	if err := s.Tokens.RevokeAccessToken(ctx, ws, *at); err != nil {
		httpapi.Logger(ctx).Warn("registration: a token presented for another client could not be revoked", "client_id", at.ClientID, "err", err)
	}
}

// boundTo: a certificate-bound token is used with the certificate it is
// bound to (RFC 8705 §3), an unbound one by any caller.
func (a accessTokenAuthenticator) boundTo(at store.Token, req Request) bool {
	if at.CertThumbprint == "" {
		return true
	}
	return len(req.Certificates) > 0 && a.certs != nil && a.certs.Thumbprint(req.Certificates[0]) == at.CertThumbprint
}
