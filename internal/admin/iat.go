package admin

import (
	"context"
	"errors"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
)

// NewInitialAccessToken asks for an initial access token for dynamic
// client registration.
type NewInitialAccessToken struct {
	Workspace   string
	MaxUses     int // 0: unlimited until it expires
	TTL         time.Duration
	Description string
}

// Check refuses what no workspace would take.
func (r NewInitialAccessToken) Check() error {
	if r.MaxUses < 0 || r.TTL <= 0 {
		return refuse(ErrInvalid, "max uses must be ≥ 0 and the lifetime positive")
	}
	return nil
}

// InitialAccessToken is an initial access token as an operator sees it.
type InitialAccessToken struct {
	ID string `json:"id"`
	// Token is the plain value, set only when the token is created: it
	// is shown once and kept only as its keyed hash.
	Token       string     `json:"token,omitempty"`
	Workspace   string     `json:"workspace"`
	Description string     `json:"description,omitempty"`
	MaxUses     int        `json:"max_uses"`
	Uses        int        `json:"uses"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	// Status is active, used up, expired or revoked, so that readers need
	// not redo the arithmetic (max_uses 0 means unlimited).
	Status string `json:"status"`
}

func viewIAT(t store.InitialAccessToken, token string, now time.Time) InitialAccessToken {
	v := InitialAccessToken{ID: t.ID, Token: token, Workspace: t.Workspace, Description: t.Description,
		MaxUses: t.MaxUses, Uses: t.Uses, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Status: t.Status(now)}
	if !t.RevokedAt.IsZero() {
		v.RevokedAt = &t.RevokedAt
	}
	return v
}

// CreateInitialAccessToken stores a new token; the plain value is in the
// result's Token, and nowhere else.
func (s *Service) CreateInitialAccessToken(ctx context.Context, req NewInitialAccessToken) (InitialAccessToken, error) {
	if err := req.Check(); err != nil {
		return InitialAccessToken{}, err
	}
	if _, err := s.Workspace(ctx, req.Workspace); err != nil {
		return InitialAccessToken{}, err
	}
	now := s.Time()
	token, id, err := s.newSecretRecord(now)
	if err != nil {
		return InitialAccessToken{}, err
	}
	iat := store.InitialAccessToken{
		Workspace: req.Workspace, ID: id, Hash: s.Hasher.Hash(secret.PurposeInitialAccessToken, token),
		Description: req.Description, MaxUses: req.MaxUses, CreatedAt: now, ExpiresAt: now.Add(req.TTL),
	}
	if err := s.Store.CreateInitialAccessToken(ctx, iat); err != nil {
		return InitialAccessToken{}, err
	}
	s.audit(ctx, req.Workspace, ActionIATCreate, "", iatTarget(id))
	return viewIAT(iat, token, now), nil
}

// InitialAccessTokens lists a workspace's tokens, newest first.
func (s *Service) InitialAccessTokens(ctx context.Context, wsName string) ([]InitialAccessToken, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return nil, err
	}
	tokens, err := s.Store.ListInitialAccessTokens(ctx, wsName)
	if err != nil {
		return nil, err
	}
	now := s.Time()
	views := make([]InitialAccessToken, 0, len(tokens))
	for _, t := range tokens {
		views = append(views, viewIAT(t, "", now))
	}
	return views, nil
}

// RevokeInitialAccessToken ends a token now; revoking it again changes
// nothing.
func (s *Service) RevokeInitialAccessToken(ctx context.Context, wsName, id string) error {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return err
	}
	err := s.Store.RevokeInitialAccessToken(ctx, wsName, id, s.Time())
	if errors.Is(err, store.ErrNotFound) {
		return refuse(ErrNotFound, "no initial access token %q in workspace %s", id, wsName)
	}
	if err != nil {
		return err
	}
	s.audit(ctx, wsName, ActionIATRevoke, "", iatTarget(id))
	return nil
}

// iatTarget names a token in the audit trail.
func iatTarget(id string) string { return "initial_access_token:" + id }
