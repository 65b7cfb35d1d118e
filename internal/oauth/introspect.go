package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/memo"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Introspection is the RFC 7662 §2.2 response. An inactive token renders
// as {"active":false} and nothing else.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	JTI       string   `json:"jti,omitempty"`
	// AuthTime is when the user signed in (RFC 9068 §2.2.1, as in the JWT
	// itself), for resource servers that require a recent sign-in.
	AuthTime int64 `json:"auth_time,omitempty"`
	// Cnf is the certificate the token is bound to (RFC 8705 §3.2).
	Cnf *confirmation `json:"cnf,omitempty"`
}

var inactive = Introspection{}

// IntrospectionRequest is an RFC 7662 §2.1 request.
type IntrospectionRequest struct {
	Token string
	// TokenTypeHint may be ignored (RFC 7662 §2.1): every kind of token is
	// looked up anyway, the most common first.
	TokenTypeHint string
}

// RevocationRequest is an RFC 7009 §2.1 request; its parameters are
// introspection's.
type RevocationRequest IntrospectionRequest

// tokenInfo is what introspection and revocation learn about a token.
type tokenInfo struct {
	ID        string
	ClientID  string
	Subject   string
	Scope     string
	Audience  []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	Kind      string
	Format    string
	GrantID   string // known for stored tokens only
	RevokedAt time.Time
	AuthTime  time.Time // zero when no user signed in, or not recorded
	// CertThumbprint is the x5t#S256 of the certificate the token is
	// bound to, "" for none.
	CertThumbprint string
}

// Introspect answers RFC 7662 for an authenticated caller. A client sees
// only tokens issued to itself: for anyone else the token is inactive, so
// introspection cannot be used to probe other clients' tokens (SPECS §7).
func (s *Service) Introspect(ctx context.Context, ws workspace.Workspace, ev ClientEvidence, req IntrospectionRequest) (Introspection, error) {
	// RFC 7662 §2.1 requires the caller be authorized; a client_id alone
	// is public knowledge, so a public client proves nothing. A
	// certificate may prove a client (RFC 8705 §2): once authenticated,
	// the caller must not be a public one that merely came with one.
	if ev.identifiesOnly() && len(ev.Certificates) == 0 {
		return inactive, errPublicIntrospection
	}
	caller, info, err := s.callerAndToken(ctx, ws, ev, req.Token)
	if err == nil || errors.Is(err, errUnknownToken) {
		if caller.Metadata.AuthMethod() == client.AuthNone {
			return inactive, errPublicIntrospection
		}
	}
	if errors.Is(err, errUnknownToken) {
		return inactive, nil
	}
	if err != nil {
		return inactive, err
	}
	now := s.Time()
	if info.ClientID != caller.ID || !info.RevokedAt.IsZero() || !now.Before(info.ExpiresAt) {
		return inactive, nil
	}
	// The caller is the token's client: it is told the sub it was issued.
	sub, err := s.subjectFor(ws, caller, info.Subject)
	if err != nil {
		return inactive, err
	}
	out := Introspection{
		Active: true, Scope: info.Scope, ClientID: info.ClientID,
		Exp: info.ExpiresAt.Unix(), Iat: info.IssuedAt.Unix(), Sub: sub,
		Aud: info.Audience, Iss: s.Issuer(ws), JTI: info.ID, Cnf: confirmationOf(info.CertThumbprint),
	}
	if !info.AuthTime.IsZero() {
		out.AuthTime = info.AuthTime.Unix()
	}
	if info.Kind == store.KindAccess {
		// RFC 7662 §2.2: token_type is an RFC 6749 §7.1 access token type;
		// a refresh token has none.
		out.TokenType = "Bearer"
	}
	return out, nil
}

var errUnknownToken = errors.New("unknown token")

var errPublicIntrospection = errInvalidClient("introspection requires client authentication: a client_id alone is not enough, and public clients cannot introspect")

// callerAndToken authenticates a caller of introspection or revocation and
// finds what its token is (errUnknownToken if nothing). A JWT's signature
// is checked in memory first, so that when the caller owns the token, as it
// must for an answer (RFC 7662 §2.1), one read finds both the caller and
// the token's revocation record: this is introspection's hot path. Every
// path authenticates before it says anything about the token.
func (s *Service) callerAndToken(ctx context.Context, ws workspace.Workspace, ev ClientEvidence, token string) (client.Client, tokenInfo, error) {
	claims, jwtErr := s.jwtClaims(ctx, ws, token)
	switch {
	case jwtErr == nil && claims.ClientID == ev.ClientID:
		cl, rec, err := s.Store.ClientWithTokenRecord(ctx, ws.Name, ev.ClientID, claims.JTI)
		caller, err := s.clientAuth(ctx, ws).authenticate(cl, err, ev)
		if err != nil {
			return client.Client{}, tokenInfo{}, err
		}
		info, err := claims.info(rec)
		return caller, info, err
	case errors.Is(jwtErr, errNotJWT) && token != "": // "" is refused below, after authentication
		// Likewise an opaque access token; a refresh token, rarer here,
		// is looked up on its own once the access hash found nothing.
		cl, rec, found, err := s.Store.ClientWithTokenByHash(ctx, ws.Name, ev.ClientID, s.Hasher.Hash(opaqueAccess.purpose, token))
		caller, err := s.clientAuth(ctx, ws).authenticate(cl, err, ev)
		if err != nil {
			return client.Client{}, tokenInfo{}, err
		}
		if found && rec.Kind == opaqueAccess.kind {
			return caller, infoFromRecord(rec), nil
		}
		info, err := s.lookupOpaqueAs(ctx, ws, token, []opaqueKind{opaqueRefresh})
		return caller, info, err
	}
	caller, err := s.Authenticate(ctx, ws, ev)
	if err != nil {
		return client.Client{}, tokenInfo{}, err
	}
	if token == "" {
		return client.Client{}, tokenInfo{}, oautherr.InvalidRequestf("token is required")
	}
	info, err := s.lookupParsed(ctx, ws, token, claims, jwtErr)
	return caller, info, err
}

// lookupToken finds what a token is: a JWT by signature (then its jti in the
// revocation list), an opaque token by its keyed hash.
func (s *Service) lookupToken(ctx context.Context, ws workspace.Workspace, token string) (tokenInfo, error) {
	claims, err := s.jwtClaims(ctx, ws, token)
	return s.lookupParsed(ctx, ws, token, claims, err)
}

// lookupParsed is lookupToken once jwtClaims has run, so that no caller
// verifies a failing signature twice (failures are not cached).
func (s *Service) lookupParsed(ctx context.Context, ws workspace.Workspace, token string, claims accessTokenClaims, jwtErr error) (tokenInfo, error) {
	switch {
	case errors.Is(jwtErr, errNotJWT):
		return s.lookupOpaque(ctx, ws, token)
	case jwtErr != nil:
		return tokenInfo{}, jwtErr // errUnknownToken, or the store's failure
	}
	// The token's own client is read with its record: a JWT outlives its
	// client's deletion (which drops every record too), so its signature
	// alone proves nothing once the client is gone (RFC 7592 §2.3).
	// A disabled client's tokens are inactive until it is enabled.
	owner, rec, err := s.Store.ClientWithTokenRecord(ctx, ws.Name, claims.ClientID, claims.JTI)
	if errors.Is(err, store.ErrNotFound) || (err == nil && owner.Disabled()) {
		return tokenInfo{}, errUnknownToken
	}
	if err != nil {
		return tokenInfo{}, err
	}
	return claims.info(rec)
}

type opaqueKind struct{ purpose, kind string }

// An opaque token's keyed hash depends on what it is, so it is looked up
// as each kind in turn, the more common first.
var (
	opaqueAccess  = opaqueKind{secret.PurposeAccessToken, store.KindAccess}
	opaqueRefresh = opaqueKind{secret.PurposeRefreshToken, store.KindRefresh}
)

func (s *Service) lookupOpaque(ctx context.Context, ws workspace.Workspace, token string) (tokenInfo, error) {
	return s.lookupOpaqueAs(ctx, ws, token, []opaqueKind{opaqueAccess, opaqueRefresh})
}

func (s *Service) lookupOpaqueAs(ctx context.Context, ws workspace.Workspace, token string, kinds []opaqueKind) (tokenInfo, error) {
	for _, kind := range kinds {
		rec, err := s.Store.TokenByHash(ctx, ws.Name, s.Hasher.Hash(kind.purpose, token))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return tokenInfo{}, err
		}
		if rec.Kind != kind.kind {
			continue
		}
		return infoFromRecord(rec), nil
	}
	return tokenInfo{}, errUnknownToken
}

func infoFromRecord(rec store.Token) tokenInfo {
	return tokenInfo{
		ID: rec.ID, ClientID: rec.ClientID, Subject: rec.Subject, Scope: rec.Scope,
		Audience: rec.Audience, IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt,
		Kind: rec.Kind, Format: rec.Format, GrantID: rec.GrantID, RevokedAt: rec.RevokedAt,
		AuthTime: rec.AuthTime, CertThumbprint: rec.CertThumbprint,
	}
}

// errNotJWT: the token is not shaped as a JWT, so it may be opaque.
var errNotJWT = errors.New("not a JWT")

// jwtClaims verifies an access-token JWT of ws (in memory: verified
// signatures are cached) and decodes its claims.
func (s *Service) jwtClaims(ctx context.Context, ws workspace.Workspace, token string) (accessTokenClaims, error) {
	if !looksLikeJWT(token) {
		return accessTokenClaims{}, errNotJWT
	}
	payload, err := s.Keys.Verify(ctx, ws.Name, token, TypAccessToken)
	if errors.Is(err, jose.ErrInvalidSignature) {
		return accessTokenClaims{}, errUnknownToken
	}
	if err != nil {
		// The keys could not be read (a database outage on a node with
		// none cached yet, a key that will not decrypt): our failure, 503
		// or 500, not a bad token (401).
		return accessTokenClaims{}, err
	}
	c, err := decodeClaims(payload)
	if err != nil || c.JTI == "" || c.Issuer != s.Issuer(ws) {
		return accessTokenClaims{}, errUnknownToken
	}
	return c, nil
}

// decodedClaims remembers decoded payloads. Decoding is a pure function of
// the bytes, and redoing it was 5% of a JWT introspection's CPU: resource
// servers introspect the same token again and again.
var decodedClaims = memo.New[string, accessTokenClaims](4096)

func decodeClaims(payload []byte) (accessTokenClaims, error) {
	if c, ok := decodedClaims.Get(string(payload)); ok {
		c.Audience = slices.Clone(c.Audience) // the caller's to change
		return c, nil
	}
	var c accessTokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, err
	}
	decodedClaims.Put(string(payload), c)
	c.Audience = slices.Clone(c.Audience)
	return c, nil
}

// info is what a verified JWT and its revocation record say together.
// The subject is the record's when there is one: a user's token always
// has one, and its sub claim, for a pairwise client, is not the user's
// local id, which is what the server works with.
func (c accessTokenClaims) info(rec store.TokenRecord) (tokenInfo, error) {
	if !rec.Exists && c.ofGrantFamily() {
		// Recorded at issue and kept until it expires, so a missing record
		// means its user (or client) was deleted, and the token with them.
		return tokenInfo{}, errUnknownToken
	}
	subject := c.Subject
	if rec.Exists {
		subject = rec.Subject
	}
	return tokenInfo{
		ID: c.JTI, ClientID: c.ClientID, Subject: subject, Scope: c.Scope,
		Audience: c.Audience, IssuedAt: time.Unix(c.IssuedAt, 0).UTC(),
		ExpiresAt: time.Unix(c.Expiry, 0).UTC(), Kind: store.KindAccess, Format: workspace.FormatJWT,
		RevokedAt: rec.RevokedAt, AuthTime: unixOrZero(c.AuthTime), CertThumbprint: c.thumbprint(),
	}, nil
}

// thumbprint is the x5t#S256 of the token's cnf, "" when unbound.
func (c accessTokenClaims) thumbprint() string {
	if c.Cnf == nil {
		return ""
	}
	return c.Cnf.X5TS256
}

// unixOrZero reads an optional NumericDate claim: 0 means absent.
func unixOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// Revoke implements RFC 7009 §2.1. Unknown tokens succeed silently
// (§2.2); a token of another client is refused and left alone.
func (s *Service) Revoke(ctx context.Context, ws workspace.Workspace, ev ClientEvidence, req RevocationRequest) error {
	caller, info, err := s.callerAndToken(ctx, ws, ev, req.Token)
	if errors.Is(err, errUnknownToken) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.ClientID != caller.ID {
		return oautherr.New(oautherr.UnauthorizedClient, "the token was not issued to this client")
	}
	return s.revoke(ctx, ws, caller, info)
}

func (s *Service) revoke(ctx context.Context, ws workspace.Workspace, caller client.Client, info tokenInfo) error {
	now := s.Time()
	if info.Kind == store.KindRefresh && info.GrantID != "" && info.RevokedAt.IsZero() {
		// RFC 7009 §2.1: the grant's access tokens go with its live refresh
		// token (a rotated-out one ends nothing). Revoking the whole family
		// also tells a later refresh with this token apart from the reuse
		// of a rotated-out one.
		_, err := s.Store.RevokeGrant(ctx, ws.Name, info.GrantID, now)
		return err
	}
	var rec *store.Token
	if info.Format == workspace.FormatJWT {
		// The JWT joins the revocation list until it would have expired anyway.
		rec = &store.Token{
			Workspace: ws.Name, ID: info.ID, Kind: store.KindAccess, Format: workspace.FormatJWT,
			ClientID: caller.ID, Subject: info.Subject, Scope: info.Scope, Audience: info.Audience,
			GrantID: info.ID, IssuedAt: info.IssuedAt, ExpiresAt: info.ExpiresAt,
		}
	}
	err := s.Store.RevokeToken(ctx, ws.Name, info.ID, now, rec)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile: nothing left to revoke
	}
	return err
}

// RevokeAccessToken revokes a verified access token: registration revokes
// one presented for another client's registration, as Open Banking UK DCR
// asks of a server.
func (s *Service) RevokeAccessToken(ctx context.Context, ws workspace.Workspace, at AccessToken) error {
	return s.revoke(ctx, ws, client.Client{ID: at.ClientID}, tokenInfo{
		ID: at.ID, ClientID: at.ClientID, Subject: at.Subject, Scope: at.Scope, Audience: at.Audience,
		IssuedAt: at.IssuedAt, ExpiresAt: at.ExpiresAt, Kind: store.KindAccess, Format: at.Format,
	})
}

// AccessToken is a verified, active access token.
type AccessToken struct {
	ID        string
	ClientID  string
	Subject   string
	Scope     string
	Format    string
	ExpiresAt time.Time
	IssuedAt  time.Time
	Audience  []string
	// CertThumbprint is the x5t#S256 of the client certificate the token
	// is bound to ("" for none), which the caller presented.
	CertThumbprint string
}

// ErrInactiveToken is returned for a token that is unknown, malformed,
// expired or revoked.
var ErrInactiveToken = errors.New("inactive token")

// ErrForeignAudience is returned for an active access token whose aud does
// not include the issuer: it was asked for another resource (RFC 8707).
var ErrForeignAudience = errors.New("access token issued for another resource")

// ErrCertificateMismatch is returned for an active access token bound to a
// client certificate (RFC 8705 §3) that the request did not present.
var ErrCertificateMismatch = errors.New("access token bound to another client certificate")

// VerifyAccessToken checks a bearer access token issued by ws is active and
// meant for ws's issuer itself, for use where Registrar is the resource:
// as an initial access token (RFC 7591 §3) and at userinfo. Refresh tokens
// are never accepted. A token bound to a certificate is accepted only from
// a caller presenting it: the request's, which ctx carries
// (httpapi.ClientCertificatesOf), so that no endpoint using Registrar's
// tokens can forget the check.
func (s *Service) VerifyAccessToken(ctx context.Context, ws workspace.Workspace, token string) (AccessToken, error) {
	info, err := s.lookupToken(ctx, ws, token)
	if errors.Is(err, errUnknownToken) {
		return AccessToken{}, ErrInactiveToken
	}
	if err != nil {
		return AccessToken{}, err
	}
	if info.Kind != store.KindAccess || !info.RevokedAt.IsZero() || !s.Time().Before(info.ExpiresAt) {
		return AccessToken{}, ErrInactiveToken
	}
	if !slices.Contains(info.Audience, s.Issuer(ws)) {
		// RFC 9068 §4, RFC 8707 §2: a resource server accepts only tokens
		// meant for it. A token asked for no resource has the issuer as
		// its aud (mintAccessToken); one asked for an API is that API's.
		return AccessToken{}, ErrForeignAudience
	}
	if info.CertThumbprint != "" && info.CertThumbprint != presentedThumbprint(httpapi.ClientCertificatesOf(ctx)) {
		return AccessToken{}, ErrCertificateMismatch
	}
	return AccessToken{
		ID: info.ID, ClientID: info.ClientID, Subject: info.Subject, Scope: info.Scope,
		Format: info.Format, ExpiresAt: info.ExpiresAt, IssuedAt: info.IssuedAt, Audience: info.Audience,
		CertThumbprint: info.CertThumbprint,
	}, nil
}
