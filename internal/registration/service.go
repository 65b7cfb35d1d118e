package registration

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Store is what registration reads and writes.
type Store interface {
	store.Clients
	store.Registrations
	store.InitialAccessTokens
}

// TokenVerifier verifies a bearer access token issued by ws, for use as
// an initial access token. The token service implements it; declaring it
// here keeps registration from depending on that service.
type TokenVerifier interface {
	// VerifyAccessToken returns the active token as the token store
	// records it (id, client, subject, scope, format, audience, lifetime),
	// or ErrInactiveToken for a token that is unknown, malformed, expired
	// or revoked.
	VerifyAccessToken(ctx context.Context, ws workspace.Workspace, token string) (store.Token, error)
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
	Metrics *Metrics
}

// Metrics count registration decisions.
type Metrics struct {
	Decisions *prometheus.CounterVec
}

// NewMetrics registers the registration collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "registrar_registration_requests_total",
		Help: "Dynamic client registration requests by workspace, action and outcome.",
	}, []string{"workspace", "action", "outcome"})}
	reg.MustRegister(m.Decisions)
	return m
}

// clientURI is the RFC 7592 registration_client_uri: absolute, so the
// client never builds it (RFC 7592 §2).
func (s *Service) clientURI(ws workspace.Workspace, id string) string {
	return s.BaseURL + "/" + ws.Name + "/oauth2/register/" + id
}
