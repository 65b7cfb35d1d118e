package server

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// registrationTokens lets registration verify access tokens used as
// initial access tokens without depending on the token service: it
// translates the service's answer into registration's own terms.
type registrationTokens struct{ tokens *oauth.Service }

func (t registrationTokens) VerifyAccessToken(ctx context.Context, ws workspace.Workspace, token string) (registration.BearerToken, error) {
	at, err := t.tokens.VerifyAccessToken(ctx, ws, token)
	if errors.Is(err, oauth.ErrInactiveToken) {
		return registration.BearerToken{}, registration.ErrInactiveToken
	}
	if err != nil {
		return registration.BearerToken{}, err
	}
	return registration.BearerToken{
		ID: at.ID, ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Format: at.Format,
		ExpiresAt: at.ExpiresAt, IssuedAt: at.IssuedAt, Audience: at.Audience,
	}, nil
}
