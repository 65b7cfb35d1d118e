package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func errInvalidGrant(format string, args ...any) *oautherr.Error {
	return oautherr.New(oautherr.InvalidGrant, format, args...)
}

// grantAuthorizationCode: RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6). The
// request is checked against the code before the code is consumed, so a
// refused exchange (another client, a wrong verifier) leaves the code to its
// rightful client. Consuming is one conditional update, so of concurrent
// exchanges one wins; a replay revokes what the first redemption issued
// (RFC 6749 §4.1.2, §10.5).
func (s *Service) grantAuthorizationCode(ctx context.Context, ws workspace.Workspace, cl client.Client, req TokenRequest) (TokenResponse, error) {
	if req.Code == "" {
		return TokenResponse{}, oautherr.InvalidRequestf("code is required")
	}
	hash := s.Hasher.Hash(secret.PurposeAuthCode, req.Code)
	code, resources, err := s.redeemableCode(ctx, ws, cl, req, hash)
	if err != nil {
		return TokenResponse{}, err
	}
	scope, err := codeScope(ws, cl, code)
	if err != nil {
		return TokenResponse{}, err
	}
	g := userGrant{
		subject: code.UserID, scope: scope, resources: resources, granted: grantedResources(code, resources), nonce: code.Nonce,
		authTime: code.AuthTime, amr: code.AMR, grantID: code.GrantID, grantType: client.GrantAuthorizationCode,
		accessCert: accessBinding(cl, req.certThumbprint), refreshCert: refreshBinding(cl, req.certThumbprint),
	}
	resp, records, err := s.mintUserTokens(ctx, ws, cl, g, true)
	if err != nil {
		return TokenResponse{}, err
	}
	// The tokens are stored in the transaction that consumes the code, so
	// a concurrent replay that loses finds them and revokes them too.
	if err := s.Flow.Store.UseAuthCode(ctx, ws.Name, hash, s.Time(), records); errors.Is(err, store.ErrConflict) {
		return TokenResponse{}, s.revokeReplayedCode(ctx, ws, code)
	} else if err != nil {
		return TokenResponse{}, codeStoreError(err)
	}
	s.countIssuedRecords(ws, g.grantType, records)
	return resp, nil
}

// redeemableCode reads the code, without consuming it, and checks the
// request against it; it returns the code and the new access token's
// resources.
func (s *Service) redeemableCode(ctx context.Context, ws workspace.Workspace, cl client.Client, req TokenRequest, hash []byte) (store.AuthCode, []string, error) {
	code, err := s.Flow.Store.AuthCodeByHash(ctx, ws.Name, hash)
	if err != nil {
		return code, nil, codeStoreError(err)
	}
	if err := checkCodeBinding(code, cl, req); err != nil {
		return code, nil, err
	}
	if !code.UsedAt.IsZero() {
		return code, nil, s.revokeReplayedCode(ctx, ws, code)
	}
	if !s.Time().Before(code.ExpiresAt) {
		return code, nil, errInvalidGrant("the authorization code has expired")
	}
	resources, err := requestedResources(ws, req.Resources, code.Resources, len(code.Resources) > 0)
	return code, resources, err
}

// codeStoreError: a code that is not there (never issued, or deleted with
// its user since it was read) is invalid_grant; anything else is the
// store's failure.
func codeStoreError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidGrant("the authorization code is invalid")
	}
	return err
}

// revokeReplayedCode is reached only by a request that passed the code's
// binding: its client with its redirect_uri and verifier. Either that
// client or an attacker holding all of them redeemed the code before, so
// every token of the grant is revoked. A presenter failing the binding
// revokes nothing, or anyone who saw a used code could end the session.
func (s *Service) revokeReplayedCode(ctx context.Context, ws workspace.Workspace, code store.AuthCode) error {
	if _, err := s.Store.RevokeGrant(ctx, ws.Name, code.GrantID, s.Time()); err != nil {
		return err
	}
	return errInvalidGrant("the authorization code was already used; tokens issued with it are revoked")
}

// grantedResources are what the refresh token is bound to: every resource
// the user authorized, not only those this exchange narrowed to, since a
// refresh may ask for another of them (RFC 8707 §2.2). A code authorized
// without resources is bound to what the exchange named.
func grantedResources(code store.AuthCode, exchanged []string) []string {
	if len(code.Resources) > 0 {
		return code.Resources
	}
	return exchanged
}

// checkCodeBinding: the code is this client's, its redirect URI is
// repeated exactly when it was sent to /authorize, and PKCE holds.
func checkCodeBinding(code store.AuthCode, cl client.Client, req TokenRequest) error {
	if code.ClientID != cl.ID {
		return errInvalidGrant("the authorization code was issued to another client")
	}
	if code.RedirectURI != "" && req.RedirectURI != code.RedirectURI {
		return errInvalidGrant("redirect_uri does not match the authorization request")
	}
	if code.CodeChallenge == "" {
		// RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
		if req.CodeVerifier != "" {
			return errInvalidGrant("code_verifier sent but no code_challenge was given at authorization")
		}
		return nil
	}
	if !verifyPKCE(code.CodeChallengeMethod, code.CodeChallenge, req.CodeVerifier) {
		return errInvalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}

// userGrant is what tokens issued for a user carry. resources are the
// access token's audience; granted, the refresh token's resources;
// grantEnd, when an existing family ends (zero for a new grant);
// accessCert and refreshCert, the thumbprints of the certificate each
// token is bound to ("" for none).
type userGrant struct {
	subject, scope, nonce, grantID, grantType string
	resources, granted, amr                   []string
	authTime, grantEnd                        time.Time
	accessCert, refreshCert                   string
}

// mintUserTokens makes the access token, a refresh token when the user
// granted offline_access and the client may refresh, and an ID token when
// openid was granted (OIDC Core §3.1.3.3). It returns the records the
// caller stores, in one transaction with whatever the grant consumes.
func (s *Service) mintUserTokens(ctx context.Context, ws workspace.Workspace, cl client.Client, g userGrant, withIDToken bool) (TokenResponse, []store.Token, error) {
	at, atRecord, err := s.mintGrantAccessToken(ctx, ws, cl, accessGrant{
		Subject: g.subject, Scope: g.scope, Resources: g.resources,
		GrantType: g.grantType, GrantID: g.grantID, AuthTime: g.authTime, CertThumbprint: g.accessCert,
	})
	if err != nil {
		return TokenResponse{}, nil, err
	}
	records := []store.Token{atRecord}
	resp := TokenResponse{AccessToken: at.Value, TokenType: "Bearer", ExpiresIn: at.ExpiresIn, Scope: at.Scope}
	scopes := strings.Fields(g.scope)
	if slices.Contains(scopes, scopeOfflineAccess) && slices.Contains(cl.Metadata.Grants(), client.GrantRefreshToken) {
		var rec store.Token
		if resp.RefreshToken, rec, err = s.mintRefreshToken(ws, cl, g); err != nil {
			return TokenResponse{}, nil, err
		}
		records = append(records, rec)
	}
	if withIDToken && slices.Contains(scopes, scopeOpenID) {
		if resp.IDToken, err = s.issueIDToken(ctx, ws, cl, g.subject, g.nonce, at.Value, g.authTime, g.amr); err != nil {
			return TokenResponse{}, nil, err
		}
	}
	return resp, records, nil
}

func refreshTTL(ws workspace.Workspace, cl client.Client) time.Duration {
	ttl := ws.Settings.RefreshTokenTTL
	if l := cl.Metadata.RefreshTokenLifetime; l > 0 && l < ttl {
		ttl = l
	}
	return time.Duration(ttl) * time.Second
}

// refreshIdleTTL is how long each of cl's refresh tokens lives unused;
// zero leaves it to refreshTTL.
func refreshIdleTTL(cl client.Client) time.Duration {
	return time.Duration(cl.Metadata.RefreshTokenIdleLifetime) * time.Second
}

// mintRefreshToken makes a refresh token of g's family and its record.
func (s *Service) mintRefreshToken(ws workspace.Workspace, cl client.Client, g userGrant) (string, store.Token, error) {
	now := s.Time()
	id, err := secret.TimeOrderedID(now, s.Random())
	if err != nil {
		return "", store.Token{}, err
	}
	expires, grantEnd := refreshLifetime(now, refreshTTL(ws, cl), refreshIdleTTL(cl), g.grantEnd)
	rec := store.Token{
		Workspace: ws.Name, ID: id, Kind: store.KindRefresh, Format: workspace.FormatOpaque,
		ClientID: cl.ID, Subject: g.subject, Scope: g.scope, Audience: g.granted,
		GrantID: g.grantID, IssuedAt: now, ExpiresAt: expires, AuthTime: g.authTime, GrantExpiresAt: grantEnd,
		CertThumbprint: g.refreshCert,
	}
	value, err := s.opaqueValue(&rec, secret.PurposeRefreshToken)
	return value, rec, err
}
