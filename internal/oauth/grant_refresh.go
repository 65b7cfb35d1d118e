package oauth

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// grantRefreshToken: RFC 6749 §6. Refresh tokens rotate on every use; the
// reuse of a rotated one revokes the whole family (RFC 9700 §4.14.2),
// since it means two parties hold the token. A FAPI 2.0 workspace keeps
// them instead (keepRefreshToken). The request is checked in full before
// the rotation, so a refused one leaves the token usable.
func (s *Service) grantRefreshToken(ctx context.Context, ws workspace.Workspace, cl client.Client, req TokenRequest) (TokenResponse, error) {
	old, err := s.presentedRefreshToken(ctx, ws, cl, req.RefreshToken)
	if err != nil {
		return TokenResponse{}, err
	}
	if old.CertThumbprint != "" && old.CertThumbprint != req.certThumbprint {
		// RFC 8705 §4: a public client's refresh token is usable only with
		// the certificate it was issued over. The token stays usable by
		// its holder.
		return TokenResponse{}, errInvalidGrant("the refresh token is bound to another client certificate than the one presented")
	}
	scope, err := refreshScope(ws, cl, req.Scope, old.Scope)
	if err != nil {
		return TokenResponse{}, err
	}
	// The refresh token's audience is the grant's resources: with none
	// asked the new access token gets them all, else exactly those asked.
	resources, err := requestedResources(ws, req.Resources, old.Audience, true)
	if err != nil {
		return TokenResponse{}, err
	}
	at, atRecord, err := s.mintGrantAccessToken(ctx, ws, cl, accessGrant{
		Subject: old.Subject, Scope: scope, Resources: resources,
		GrantType: client.GrantRefreshToken, GrantID: old.GrantID, AuthTime: old.AuthTime,
		NotAfter: familyEnd(old), CertThumbprint: accessBinding(cl, req.certThumbprint),
	})
	if err != nil {
		return TokenResponse{}, err
	}
	value := req.RefreshToken
	if rotatesRefreshTokens(ws) {
		value, err = s.rotateRefreshToken(ctx, ws, cl, old, atRecord)
	} else {
		err = s.keepRefreshToken(ctx, ws, cl, old, atRecord)
	}
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: at.Value, TokenType: "Bearer", ExpiresIn: at.ExpiresIn, Scope: at.Scope, RefreshToken: value}, nil
}

// presentedRefreshToken finds the refresh token and checks it is this
// client's, unrevoked and unexpired.
func (s *Service) presentedRefreshToken(ctx context.Context, ws workspace.Workspace, cl client.Client, raw string) (store.Token, error) {
	if raw == "" {
		return store.Token{}, oautherr.InvalidRequestf("refresh_token is required")
	}
	old, err := s.Store.TokenByHash(ctx, ws.Name, s.Hasher.Hash(secret.PurposeRefreshToken, raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && old.Kind != store.KindRefresh) {
		return store.Token{}, errInvalidGrant("the refresh token is invalid")
	}
	if err != nil {
		return store.Token{}, err
	}
	if old.ClientID != cl.ID {
		return store.Token{}, errInvalidGrant("the refresh token was issued to another client")
	}
	if !old.RevokedAt.IsZero() {
		return store.Token{}, s.refuseRevoked(ctx, ws, old)
	}
	if !s.Time().Before(old.ExpiresAt) {
		return store.Token{}, errInvalidGrant("the refresh token has expired")
	}
	return old, nil
}

// rotateRefreshToken replaces old with a new refresh token of the same
// family, scope, resources, sign-in time and end (narrowing, by the
// request or by the client's registration, is per access token: the
// family keeps what was consented, RFC 6749 §6), storing it with the new
// access token's record in the rotation's transaction, and returns the new
// value.
func (s *Service) rotateRefreshToken(ctx context.Context, ws workspace.Workspace, cl client.Client, old store.Token, access store.Token) (string, error) {
	value, next, err := s.mintRefreshToken(ws, cl, userGrant{
		subject: old.Subject, scope: old.Scope, granted: old.Audience, grantID: old.GrantID,
		authTime: old.AuthTime, grantEnd: familyEnd(old), refreshCert: old.CertThumbprint,
	})
	if err != nil {
		return "", err
	}
	records := []store.Token{next, access}
	if err := s.Flow.Store.RotateRefreshToken(ctx, ws.Name, old.ID, s.Time(), records); errors.Is(err, store.ErrConflict) {
		return "", s.refuseRevoked(ctx, ws, old)
	} else if err != nil {
		return "", err
	}
	s.countIssuedRecords(ws, client.GrantRefreshToken, records)
	return value, nil
}

// rotatesRefreshTokens: every workspace but a FAPI 2.0 one, whose
// clients are all confidential and whose profile asks not to rotate
// (FAPI 2.0 §5.3.2.1-10): a client that loses the answer to a rotation
// has lost its grant, and reuse detection adds nothing where the token is
// useless without the client's own credentials.
func rotatesRefreshTokens(ws workspace.Workspace) bool {
	return !ws.Settings.IsProfile(workspace.ProfileFAPI2)
}

// keepRefreshToken issues the new access token on old without replacing
// it: old's lifetime starts again as a successor's would (the idle
// lifetime, if set, slides), never past the grant's end. The answer then
// carries the presented value, so that a client that stores the refresh
// token it is given keeps the right one.
func (s *Service) keepRefreshToken(ctx context.Context, ws workspace.Workspace, cl client.Client, old store.Token, access store.Token) error {
	now := s.Time()
	expires, grantEnd := refreshLifetime(now, refreshTTL(ws, cl), refreshIdleTTL(cl), familyEnd(old))
	records := []store.Token{access}
	keep := store.RefreshKeep{ID: old.ID, At: now, ExpiresAt: expires, GrantExpiresAt: grantEnd}
	err := s.Flow.Store.KeepRefreshToken(ctx, ws.Name, keep, records)
	switch {
	case errors.Is(err, store.ErrConflict) && !now.Before(old.ExpiresAt):
		return errInvalidGrant("the refresh token has expired")
	case errors.Is(err, store.ErrConflict):
		return s.refuseRevoked(ctx, ws, old)
	case err != nil:
		return err
	}
	s.countIssuedRecords(ws, client.GrantRefreshToken, records)
	return nil
}

// refuseRevoked answers a revoked refresh token. A rotated-out one still
// has its successor unrevoked in its family: two parties hold the token, so
// the family is revoked (RFC 9700 §4.14.2). A token revoked through
// /revoke, by a code replay or an earlier reuse went with its whole family,
// so nothing is left to revoke and "already used" would mislead.
func (s *Service) refuseRevoked(ctx context.Context, ws workspace.Workspace, old store.Token) error {
	n, err := s.Store.RevokeGrant(ctx, ws.Name, old.GrantID, s.Time())
	if err != nil {
		return err
	}
	if n == 0 {
		return errInvalidGrant("the refresh token has been revoked")
	}
	return errInvalidGrant("the refresh token was already used; every token of this grant is revoked")
}
