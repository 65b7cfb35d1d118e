package registration

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// initialAccessTokenAuthorizer protects registration with a bearer token
// (RFC 7591 §3): an operator-issued initial access token, or an access
// token of this workspace carrying the registration scope.
type initialAccessTokenAuthorizer struct {
	clock  clock.Source
	store  store.InitialAccessTokens
	hasher *secret.Hasher
	tokens TokenVerifier
}

func (a initialAccessTokenAuthorizer) Authorize(ctx context.Context, ws workspace.Workspace, req Request) (grant, error) {
	if req.Bearer == "" {
		return grant{}, errBearerRequired("an initial access token")
	}
	iat, err := a.store.InitialAccessTokenByHash(ctx, ws.Name, a.hasher.Hash(secret.PurposeInitialAccessToken, req.Bearer))
	switch {
	case err == nil:
		return a.operatorToken(iat)
	case !errors.Is(err, store.ErrNotFound):
		return grant{}, err
	case ws.Settings.Registration.Scope == "":
		// No registration scope: only operator tokens are initial access
		// tokens, so an access token is as unknown here as any other.
		return unmatchedGrant, errBearer("the initial access token is invalid, expired or already used")
	}
	return a.accessToken(ctx, ws, req.Bearer)
}

// operatorToken accepts a usable operator token. A refused one is still
// named in the grant, so the audit says which token was spent or revoked.
func (a initialAccessTokenAuthorizer) operatorToken(iat store.InitialAccessToken) (grant, error) {
	now := a.clock.Time()
	g := grant{
		use:        store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: iat.ID, At: now},
		provenance: client.Provenance{Origin: client.OriginDCR, InitialAccessTokenID: iat.ID},
		presented:  operatorTokenClaims(iat),
	}
	if iat.Status(now) != store.IATActive {
		return g, errBearer("the initial access token is expired, revoked or used up")
	}
	return g, nil
}

// accessToken: a one-time token from the token endpoint with the
// registration scope (SPECS §9; docs/design-notes.md).
func (a initialAccessTokenAuthorizer) accessToken(ctx context.Context, ws workspace.Workspace, bearer string) (grant, error) {
	at, err := a.tokens.VerifyAccessToken(ctx, ws, bearer)
	if errors.Is(err, ErrInactiveToken) {
		return unmatchedGrant, errBearer("the initial access token is invalid, expired or already used")
	}
	if err != nil {
		return grant{}, err
	}
	scope := ws.Settings.Registration.Scope
	if !slices.Contains(strings.Fields(at.Scope), scope) {
		named := grant{use: store.CredentialUse{Kind: store.CredentialAccessToken, ID: at.ID}}
		return named, oautherr.New(oautherr.InsufficientScope, "the access token lacks the %q scope", scope).
			WithChallenge(`Bearer error="insufficient_scope", scope="` + scope + `"`)
	}
	use := store.CredentialUse{Kind: store.CredentialAccessToken, ID: at.ID, At: a.clock.Time()}
	if at.Format == workspace.FormatJWT {
		// A JWT is not stored at issue; consuming it inserts its record.
		use.Token = &store.Token{
			Workspace: ws.Name, ID: at.ID, Kind: store.KindAccess, Format: workspace.FormatJWT,
			ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Audience: at.Audience,
			GrantID: at.ID, IssuedAt: at.IssuedAt, ExpiresAt: at.ExpiresAt,
		}
	}
	// Under token_use until_expiry (Duende's way) the token is only
	// checked: it registers again until it expires. Operator tokens keep
	// their own max_uses.
	return grant{
		use:        use,
		provenance: client.Provenance{Origin: client.OriginDCR, InitialAccessTokenID: "access_token:" + at.ID},
		presented:  accessTokenClaims(at),
		reusable:   ws.Settings.Registration.TokenUseMode() == workspace.TokenUseUntilExpiry,
	}, nil
}
