package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
)

// NewAdminToken asks for an admin API token.
type NewAdminToken struct {
	Name      string
	ExpiresIn time.Duration // 0: never expires
}

// AdminToken is an admin API token as an operator sees it.
type AdminToken struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Token is the plain value, set only when the token is created: it is
	// shown once and kept only as its keyed hash.
	Token      string    `json:"token,omitempty"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// EnvAdminName is the name the REGISTRAR_ADMIN_TOKEN value acts under.
const EnvAdminName = "env"

// maxAdminTokenName bounds a token's name, which the audit trail repeats.
const maxAdminTokenName = 64

// Check refuses a name or a lifetime no token could have.
func (r NewAdminToken) Check() error {
	switch {
	case strings.TrimSpace(r.Name) == "" || len(r.Name) > maxAdminTokenName:
		return refuse(ErrInvalid, "an admin token's name must be 1 to %d characters", maxAdminTokenName)
	case strings.ContainsFunc(r.Name, func(c rune) bool { return c < ' ' || c == 0x7f }):
		return refuse(ErrInvalid, "an admin token's name must not contain control characters")
	case r.Name == EnvAdminName:
		return refuse(ErrInvalid, "the name %q is REGISTRAR_ADMIN_TOKEN's", EnvAdminName)
	case r.ExpiresIn < 0:
		return refuse(ErrInvalid, "an admin token's lifetime must be positive (or 0 for no expiry)")
	}
	return nil
}

func viewAdminToken(t store.AdminToken, token string) AdminToken {
	return AdminToken{ID: t.ID, Name: t.Name, Token: token, ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// CreateAdminToken stores a new admin token; the plain value is in the
// result's Token, and nowhere else.
func (s *Service) CreateAdminToken(ctx context.Context, req NewAdminToken) (AdminToken, error) {
	if err := req.Check(); err != nil {
		return AdminToken{}, err
	}
	now := s.Time()
	if err := s.checkNameFree(ctx, req.Name, now); err != nil {
		return AdminToken{}, err
	}
	token, id, err := s.newSecretRecord(now)
	if err != nil {
		return AdminToken{}, err
	}
	t := store.AdminToken{ID: id, Name: req.Name, Hash: s.Hasher.Hash(secret.PurposeAdminToken, token), CreatedAt: now}
	if req.ExpiresIn > 0 {
		t.ExpiresAt = now.Add(req.ExpiresIn)
	}
	if err := s.Store.CreateAdminToken(ctx, t); err != nil {
		return AdminToken{}, err
	}
	return viewAdminToken(t, token), nil
}

// checkNameFree refuses a name an active token has: the audit trail and
// the logs name the token, and two alike would read as one.
func (s *Service) checkNameFree(ctx context.Context, name string, now time.Time) error {
	tokens, err := s.Store.ListAdminTokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.Name == name && t.Usable(now) {
			return refuse(ErrConflict, "an active admin token is named %q (id %s): choose another name or revoke that one", name, t.ID)
		}
	}
	return nil
}

// AdminTokens lists the admin tokens, revoked ones included, newest
// first, without their values.
func (s *Service) AdminTokens(ctx context.Context) ([]AdminToken, error) {
	tokens, err := s.Store.ListAdminTokens(ctx)
	if err != nil {
		return nil, err
	}
	views := make([]AdminToken, 0, len(tokens))
	for _, t := range tokens {
		views = append(views, viewAdminToken(t, ""))
	}
	return views, nil
}

// RevokeAdminToken ends an admin token now; revoking it again changes
// nothing.
func (s *Service) RevokeAdminToken(ctx context.Context, id string) error {
	err := s.Store.RevokeAdminToken(ctx, id, s.Time())
	if errors.Is(err, store.ErrNotFound) {
		return refuse(ErrNotFound, "no admin token %q", id)
	}
	return err
}

// ErrUnauthorized refuses an admin token: missing, unknown, expired or
// revoked, all alike.
var ErrUnauthorized = errors.New("unauthorized")

// touchEvery is how often a token's last use is written at most.
const touchEvery = time.Minute

// CheckAdminToken says who presents token: a stored, unexpired,
// unrevoked admin token, or the REGISTRAR_ADMIN_TOKEN value
// (EnvAdminToken, compared in constant time, named "env"). Anything else
// is ErrUnauthorized.
func (s *Service) CheckAdminToken(ctx context.Context, token string) (Admin, error) {
	if token == "" {
		return Admin{}, ErrUnauthorized
	}
	if s.EnvAdminToken != "" && equalSecrets(token, s.EnvAdminToken) {
		return Admin{TokenID: EnvAdminName, Name: EnvAdminName}, nil
	}
	t, err := s.Store.AdminTokenByHash(ctx, s.Hasher.Hash(secret.PurposeAdminToken, token))
	if errors.Is(err, store.ErrNotFound) {
		return Admin{}, ErrUnauthorized
	}
	if err != nil {
		return Admin{}, err
	}
	now := s.Time()
	if !t.Usable(now) {
		return Admin{}, ErrUnauthorized
	}
	// Last use is a convenience: a failed write must not refuse the call.
	_ = s.Store.TouchAdminToken(ctx, t.ID, now, touchEvery)
	return Admin{TokenID: t.ID, Name: t.Name}, nil
}

// equalSecrets compares two secrets in time independent of where they
// differ and of their lengths (both are hashed first).
func equalSecrets(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
