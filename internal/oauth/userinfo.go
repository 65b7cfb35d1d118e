package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func errBearerToken(code, format string, args ...any) *oautherr.Error {
	e := oautherr.New(code, format, args...)
	return e.WithChallenge(`Bearer error="` + code + `"`)
}

// UserInfo returns the claims the token's scopes allow (OIDC Core §5.3,
// §5.4). The token must carry openid.
func (s *Service) UserInfo(ctx context.Context, ws workspace.Workspace, bearer string) (map[string]any, error) {
	if bearer == "" {
		return nil, oautherr.InvalidTokenf("an access token is required").WithChallenge(`Bearer realm="registrar"`)
	}
	at, err := s.VerifyAccessToken(ctx, ws, bearer)
	if errors.Is(err, ErrInactiveToken) {
		return nil, errBearerToken(oautherr.InvalidToken, "the access token is invalid or expired")
	}
	if errors.Is(err, ErrForeignAudience) {
		return nil, errBearerToken(oautherr.InvalidToken, "the access token was issued for another resource, not for this issuer")
	}
	if errors.Is(err, ErrCertificateMismatch) {
		return nil, errBearerToken(oautherr.InvalidToken, "the access token is bound to a client certificate, which this request did not present")
	}
	if err != nil {
		return nil, err
	}
	scopes := strings.Fields(at.Scope)
	if !slices.Contains(scopes, "openid") {
		return nil, errBearerToken(oautherr.InsufficientScope, "the access token lacks the openid scope")
	}
	u, err := s.Flow.Store.UserByID(ctx, ws.Name, at.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBearerToken(oautherr.InvalidToken, "the user no longer exists")
	}
	if err != nil {
		return nil, err
	}
	sub, err := s.userinfoSubject(ctx, ws, at.ClientID, u.ID)
	if err != nil {
		return nil, err
	}
	claims := map[string]any{"sub": sub}
	if slices.Contains(scopes, "profile") {
		putIf(claims, "name", u.Name)
		putIf(claims, "given_name", u.GivenName)
		putIf(claims, "family_name", u.FamilyName)
		putIf(claims, "preferred_username", u.Username)
		claims["updated_at"] = u.UpdatedAt.Unix()
	}
	if slices.Contains(scopes, "email") && u.Email != "" {
		claims["email"] = u.Email
		claims["email_verified"] = u.EmailVerified
	}
	return claims, nil
}

// userinfoSubject is the sub the token's client is shown, the ID token's
// (OIDC Core §5.3.2: the two must agree).
func (s *Service) userinfoSubject(ctx context.Context, ws workspace.Workspace, clientID, local string) (string, error) {
	cl, err := s.Store.ClientByID(ctx, ws.Name, clientID)
	if errors.Is(err, store.ErrNotFound) {
		// Deleting a client ends its tokens (RFC 7592 §2.3).
		return "", errBearerToken(oautherr.InvalidToken, "the client the token was issued to no longer exists")
	}
	if err != nil {
		return "", err
	}
	if cl.Disabled() {
		return "", errBearerToken(oautherr.InvalidToken, "the client the token was issued to is disabled")
	}
	return s.subjectFor(ws, cl, local)
}

func putIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}
