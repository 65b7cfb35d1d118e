package registration

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Store is what registration reads and writes.
type Store interface {
	store.Clients
	store.Registrations
	store.InitialAccessTokens
	store.UsedRequests
}

// Fetcher fetches the JSON documents outside URLs name: a trusted
// issuer's jwks_uri, a statement's software_jwks_endpoint, a client's
// jwks_uri. The server's safe fetcher (internal/fetch) implements it.
type Fetcher = jose.DocumentFetcher

// TokenVerifier verifies a bearer access token issued by ws, for use as
// an initial access token. The token service implements it; declaring it
// here keeps registration from depending on that service.
type TokenVerifier interface {
	// VerifyAccessToken returns the active token as the token store
	// records it (id, client, subject, scope, format, audience, lifetime),
	// or ErrInactiveToken for a token that is unknown, malformed, expired,
	// revoked, or meant for another resource (its aud does not include
	// ws's issuer: RFC 8707 §2, RFC 9068 §4).
	VerifyAccessToken(ctx context.Context, ws workspace.Workspace, token string) (store.Token, error)
	// RevokeAccessToken revokes a token VerifyAccessToken returned.
	RevokeAccessToken(ctx context.Context, ws workspace.Workspace, at store.Token) error
}

// CertificateChecker checks the certificates callers present, as the
// token endpoint checks a tls_client_auth client's; the token service
// implements it, so the two cannot disagree.
type CertificateChecker interface {
	// VerifyChain: chain (leaf first) chains to the client CAs and is
	// valid now for client authentication.
	VerifyChain(chain []*x509.Certificate) error
	// Thumbprint is cert's x5t#S256 (RFC 8705 §3.1), which a
	// certificate-bound token's cnf carries.
	Thumbprint(cert *x509.Certificate) string
	// NamesClient: cert carries the one name a tls_client_auth client
	// registered, as the token endpoint checks it.
	NamesClient(cert *x509.Certificate, md client.Metadata) bool
}

// ErrInactiveToken: the access token is unknown, malformed, expired or
// revoked.
var ErrInactiveToken = errors.New("inactive token")

// Service runs registration and management. Dependencies are explicit;
// the clock is injected so tests are deterministic.
type Service struct {
	clock.Source
	Store   Store
	Tokens  TokenVerifier
	Hasher  *secret.Hasher
	BaseURL string
	// EndpointBaseURL is the base URL of the nodes serving registration,
	// when they are reached apart from the issuer (registration_endpoint);
	// "" is BaseURL. Client URIs are made under it.
	EndpointBaseURL string
	Metrics         *Metrics
	// Limits are the node's rate limits; nil limits nothing.
	Limits *Limits
	// Replays seals the answers kept for Idempotency-Key retries.
	Replays Sealer
	// Fetcher reads the documents outside URLs name (a client's jwks_uri
	// and sector_identifier_uri, an issuer's or a statement's key set);
	// nil is a fetcher with the production rules.
	Fetcher Fetcher
	// Secrets seals the secrets of client_secret_jwt clients.
	Secrets client.SecretSealer
	// Certificates checks transport certificates (Open Banking UK); nil
	// trusts none.
	Certificates CertificateChecker
}

// clientURI is the RFC 7592 registration_client_uri: absolute, so the
// client never builds it (RFC 7592 §2), under the registration endpoint
// the client used ("" is the RFC 7591 one).
func (s *Service) clientURI(ws workspace.Workspace, endpoint, id string) string {
	if endpoint == "" {
		endpoint = httpapi.RegisterPath
	}
	return s.endpointBaseURL() + "/" + ws.Name + "/" + endpoint + "/" + id
}

// endpointBaseURL is the base URL the registration endpoints are reached
// under.
func (s *Service) endpointBaseURL() string {
	if s.EndpointBaseURL != "" {
		return s.EndpointBaseURL
	}
	return s.BaseURL
}
