package server

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// registrationTokens lets registration verify access tokens used as
// initial access tokens without depending on the token service: it
// translates the service's answer into registration's own terms. A token
// meant for another resource, or bound to a certificate the caller did not
// present, is for registration no credential at all.
type registrationTokens struct{ tokens *oauth.Service }

func (t registrationTokens) VerifyAccessToken(ctx context.Context, ws workspace.Workspace, token string) (store.Token, error) {
	at, err := t.tokens.VerifyAccessToken(ctx, ws, token)
	if errors.Is(err, oauth.ErrInactiveToken) || errors.Is(err, oauth.ErrForeignAudience) || errors.Is(err, oauth.ErrCertificateMismatch) {
		return store.Token{}, registration.ErrInactiveToken
	}
	if err != nil {
		return store.Token{}, err
	}
	return store.Token{
		ID: at.ID, ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Format: at.Format,
		ExpiresAt: at.ExpiresAt, IssuedAt: at.IssuedAt, Audience: at.Audience,
	}, nil
}

func (t registrationTokens) RevokeAccessToken(ctx context.Context, ws workspace.Workspace, at store.Token) error {
	return t.tokens.RevokeAccessToken(ctx, ws, oauth.AccessToken{
		ID: at.ID, ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Format: at.Format,
		ExpiresAt: at.ExpiresAt, IssuedAt: at.IssuedAt, Audience: at.Audience,
	})
}

// registrationCertificates lets registration check a caller's certificate
// as the token endpoint checks a tls_client_auth client's.
type registrationCertificates struct{ tokens *oauth.Service }

func (c registrationCertificates) VerifyChain(chain []*x509.Certificate) error {
	return c.tokens.VerifyClientChain(chain)
}

func (registrationCertificates) Thumbprint(cert *x509.Certificate) string {
	return oauth.CertificateThumbprint(cert)
}

func (registrationCertificates) NamesClient(cert *x509.Certificate, md client.Metadata) bool {
	return oauth.CertificateNamesClient(cert, md)
}
