package server

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// registrationTokens lets registration verify access tokens used as
// initial access tokens without depending on the token service: it
// translates the service's answer into registration's own terms. A token
// meant for another resource is, for registration, no credential at all.
type registrationTokens struct{ tokens *oauth.Service }

func (t registrationTokens) VerifyAccessToken(ctx context.Context, ws workspace.Workspace, token string) (store.Token, error) {
	at, err := t.tokens.VerifyAccessToken(ctx, ws, token)
	if errors.Is(err, oauth.ErrInactiveToken) || errors.Is(err, oauth.ErrForeignAudience) {
		return store.Token{}, registration.ErrInactiveToken
	}
	if err != nil {
		return store.Token{}, err
	}
	return store.Token{
		ID: at.ID, ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Format: at.Format,
		ExpiresAt: at.ExpiresAt, IssuedAt: at.IssuedAt, Audience: at.Audience,
		CertThumbprint: at.CertThumbprint,
	}, nil
}
