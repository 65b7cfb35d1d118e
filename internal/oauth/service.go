package oauth

import (
	"context"
	"sync"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Signer signs and verifies JWTs with a workspace's keys (keyring.Ring).
type Signer interface {
	Sign(ctx context.Context, ws, alg, typ string, claims any) (string, error)
	Verify(ctx context.Context, ws, token, typ string) ([]byte, error)
	JWKS(ctx context.Context, ws string) ([]byte, error)
}

// Store is what the protocol layer reads and writes.
type Store interface {
	store.Clients
	store.Tokens
	// UsedRequests spends each client assertion's jti once.
	store.UsedRequests
}

// Service implements the protocol rules. Its dependencies are explicit
// fields; the clock is injected so tests are deterministic.
type Service struct {
	clock.Source
	Store   Store
	Keys    Signer
	Hasher  *secret.Hasher
	BaseURL string
	Metrics *Metrics
	// RegistrationBaseURL is the base URL discovery names the
	// registration endpoint under, when the nodes serving registration
	// are reached apart from the issuer; "" is BaseURL.
	// HideRegistrationEndpoint names none: this node does not serve
	// registration and no other nodes were named.
	RegistrationBaseURL      string
	HideRegistrationEndpoint bool
	// Fetcher fetches the jwks_uri of private_key_jwt clients; nil leaves
	// such clients unable to authenticate (a warning in the log says so).
	Fetcher JWKSFetcher
	// Secrets opens the sealed secrets of client_secret_jwt clients; nil
	// leaves them unable to authenticate.
	Secrets SecretOpener
	// PushedRequests seals pushed authorization requests into their
	// request_uri; nil leaves the pushed authorization request endpoint
	// out.
	PushedRequests RequestSealer
	// Flow enables the browser flow and the grants that need it; nil
	// leaves only client_credentials, introspection and revocation.
	Flow *Flow
	// ClientCAs are what tls_client_auth certificates must chain to; nil
	// leaves such clients unable to authenticate.
	ClientCAs ClientCAs

	chainsOnce sync.Once
	chains     *chainCheck
}

// chainCheck is the service's one verifier of client certificate chains,
// whose memory of chains verified every request shares.
func (s *Service) chainCheck() *chainCheck {
	s.chainsOnce.Do(func() { s.chains = newChainCheck(s.ClientCAs) })
	return s.chains
}

// Issuer is the issuer identifier of ws: {base}/{ws}.
func (s *Service) Issuer(ws workspace.Workspace) string { return s.BaseURL + "/" + ws.Name }
