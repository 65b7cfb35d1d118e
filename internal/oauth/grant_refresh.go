package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// grantRefreshToken: RFC 6749 §6. Refresh tokens rotate on every use; the
// reuse of a rotated one revokes the whole family (RFC 9700 §4.14.2),
// since it means two parties hold the token.
func (s *Service) grantRefreshToken(ctx context.Context, ws workspace.Workspace, cl client.Client, form httpapi.Form) (TokenResponse, error) {
	raw := form.Get("refresh_token")
	if raw == "" {
		return TokenResponse{}, oautherr.InvalidRequestf("refresh_token is required")
	}
	old, err := s.Store.TokenByHash(ctx, ws.Name, s.Hasher.Hash(secret.PurposeRefreshToken, raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && old.Kind != store.KindRefresh) {
		return TokenResponse{}, errInvalidGrant("the refresh token is invalid")
	}
	if err != nil {
		return TokenResponse{}, err
	}
	if old.ClientID != cl.ID {
		return TokenResponse{}, errInvalidGrant("the refresh token was issued to another client")
	}
	now := s.now()
	if !old.RevokedAt.IsZero() {
		return TokenResponse{}, s.revokeFamily(ctx, ws, old)
	}
	if !now.Before(old.ExpiresAt) {
		return TokenResponse{}, errInvalidGrant("the refresh token has expired")
	}
	scope, err := narrowScope(form.Get("scope"), old.Scope)
	if err != nil {
		return TokenResponse{}, err
	}
	g := userGrant{subject: old.Subject, scope: scope, resources: old.Audience, grantID: old.GrantID, grantType: client.GrantRefreshToken}
	next, err := s.refreshRecord(ws, cl, g)
	if err != nil {
		return TokenResponse{}, err
	}
	next.Scope = old.Scope // the family keeps what was consented; narrowing is per request
	value, err := secret.Generate(s.rand())
	if err != nil {
		return TokenResponse{}, err
	}
	next.Hash = s.Hasher.Hash(secret.PurposeRefreshToken, value)
	if err := s.Flow.Store.RotateRefreshToken(ctx, ws.Name, old.ID, now, next); errors.Is(err, store.ErrConflict) {
		return TokenResponse{}, s.revokeFamily(ctx, ws, old)
	} else if err != nil {
		return TokenResponse{}, err
	}
	s.countIssued(ws, client.GrantRefreshToken, store.KindRefresh, store.FormatOpaque)
	at, err := s.issueAccessToken(ctx, ws, cl, accessGrant{Subject: old.Subject, Scope: scope, Resources: old.Audience, GrantType: client.GrantRefreshToken, GrantID: old.GrantID})
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: at.Value, TokenType: "Bearer", ExpiresIn: at.ExpiresIn, Scope: at.Scope, RefreshToken: value}, nil
}

func (s *Service) revokeFamily(ctx context.Context, ws workspace.Workspace, old store.Token) error {
	if _, err := s.Store.RevokeGrant(ctx, ws.Name, old.GrantID, s.now()); err != nil {
		return err
	}
	return errInvalidGrant("the refresh token was already used; every token of this grant is revoked")
}

// narrowScope: a refresh may ask for less than was granted, never more
// (RFC 6749 §6).
func narrowScope(requested, granted string) (string, error) {
	if requested == "" {
		return granted, nil
	}
	have := strings.Fields(granted)
	for _, sc := range strings.Fields(requested) {
		if !slices.Contains(have, sc) {
			return "", oautherr.InvalidScopef("scope %q was not granted", sc)
		}
	}
	return strings.Join(strings.Fields(requested), " "), nil
}
