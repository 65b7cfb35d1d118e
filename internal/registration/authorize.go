package registration

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// grant is what authorized a registration: the credential to consume and
// what the client's provenance records. On a denial it names, for the
// audit, the credential that was presented, when one was identified.
type grant struct {
	use        store.CredentialUse
	provenance client.Provenance
	open       bool
	// unmatched: a bearer token was checked and matched no usable
	// credential.
	unmatched bool
}

// credentialRegistrationToken labels RFC 7592 calls authenticated by the
// client's registration access token. It is never consumed like the
// store's credential kinds, so it is not one of them.
const credentialRegistrationToken = "registration_access_token"

// ratGrant is what authorized an accepted RFC 7592 call; the event's
// client id says whose token it was.
var ratGrant = grant{use: store.CredentialUse{Kind: credentialRegistrationToken}}

// unmatchedGrant: the presented bearer token was checked and is no
// credential of this workspace or client.
var unmatchedGrant = grant{unmatched: true}

// Audit labels for a presented bearer token that identified no
// credential. Recording "none" would tell an auditor that no token was
// sent, which hides a caller trying tokens; the value itself is never
// recorded.
const (
	labelUnmatchedBearer = "unmatched_bearer" // checked, matched nothing
	labelUncheckedBearer = "unchecked_bearer" // refused before it was checked
)

// label names the credential in audit events (an id, never a value);
// bearer is the token the request presented, if any.
func (g grant) label(bearer string) string {
	switch {
	case g.open:
		return "open"
	case g.use.Kind != store.CredentialNone && g.use.ID != "":
		return g.use.Kind + ":" + g.use.ID
	case g.use.Kind != store.CredentialNone:
		return g.use.Kind
	case bearer == "":
		return "none"
	case g.unmatched:
		return labelUnmatchedBearer
	}
	return labelUncheckedBearer
}

// errBearer is RFC 6750 §3.1 invalid_token with its challenge.
func errBearer(format string, args ...any) *oautherr.Error {
	return oautherr.InvalidTokenf(format, args...).WithChallenge(`Bearer error="invalid_token"`)
}

// authorize decides whether a registration may proceed. In open mode no
// token is needed. Otherwise the bearer is an operator-issued initial
// access token or an access token of this workspace carrying the
// registration scope; either is only checked here and consumed atomically
// with the client insert.
func (s *Service) authorize(ctx context.Context, ws workspace.Workspace, bearer string) (grant, error) {
	now := s.Time()
	if ws.Settings.Registration.Mode == workspace.ModeOpen {
		return grant{use: store.CredentialUse{At: now}, provenance: client.Provenance{Origin: client.OriginDCR}, open: true}, nil
	}
	if bearer == "" {
		return grant{}, oautherr.InvalidTokenf("an initial access token is required (Authorization: Bearer)").WithChallenge(`Bearer realm="registrar"`)
	}
	iat, err := s.Store.InitialAccessTokenByHash(ctx, ws.Name, s.Hasher.Hash(secret.PurposeInitialAccessToken, bearer))
	switch {
	case err == nil:
		return s.authorizeIAT(iat)
	case !errors.Is(err, store.ErrNotFound):
		return grant{}, err
	}
	return s.authorizeAccessToken(ctx, ws, bearer)
}

// authorizeIAT accepts a usable operator token. A refused one is still
// named in the grant, so the audit says which token was spent or revoked.
func (s *Service) authorizeIAT(iat store.InitialAccessToken) (grant, error) {
	now := s.Time()
	g := grant{
		use:        store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: iat.ID, At: now},
		provenance: client.Provenance{Origin: client.OriginDCR, InitialAccessTokenID: iat.ID},
	}
	if iat.Status(now) != store.IATActive {
		return g, errBearer("the initial access token is expired, revoked or used up")
	}
	return g, nil
}

// authorizeAccessToken: a Curity-style one-time token from the token
// endpoint with the registration scope (SPECS §9).
func (s *Service) authorizeAccessToken(ctx context.Context, ws workspace.Workspace, bearer string) (grant, error) {
	at, err := s.Tokens.VerifyAccessToken(ctx, ws, bearer)
	if errors.Is(err, oauth.ErrInactiveToken) {
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
	use := store.CredentialUse{Kind: store.CredentialAccessToken, ID: at.ID, At: s.Time()}
	if at.Format == workspace.FormatJWT {
		// A JWT is not stored at issue; consuming it inserts its record.
		use.Token = &store.Token{
			Workspace: ws.Name, ID: at.ID, Kind: store.KindAccess, Format: workspace.FormatJWT,
			ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Audience: at.Audience,
			GrantID: at.ID, IssuedAt: at.IssuedAt, ExpiresAt: at.ExpiresAt,
		}
	}
	return grant{use: use, provenance: client.Provenance{Origin: client.OriginDCR, InitialAccessTokenID: "access_token:" + at.ID}}, nil
}
