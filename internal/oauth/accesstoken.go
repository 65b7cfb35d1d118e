package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TypAccessToken is the JWS typ of RFC 9068 access tokens (§2.1); checking
// it on verification stops an ID token passing as an access token
// (RFC 8725 §3.11).
const TypAccessToken = "at+jwt"

// audience is a JWT aud: one value is written as a string, several as an
// array (RFC 7519 §4.1.3); both forms are read.
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(a))
}

// accessTokenClaims are the RFC 9068 §2.2 claims.
type accessTokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	JTI      string   `json:"jti"`
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope,omitempty"`
	AuthTime int64    `json:"auth_time,omitempty"`
	// Cnf binds the token to a client certificate (RFC 8705 §3.1).
	Cnf *confirmation `json:"cnf,omitempty"`
}

// ofGrantFamily tells a token issued for a user, which belongs to a grant
// family and so has a record from its issue on, from a client_credentials
// token (sub is the client itself), which is recorded only when revoked.
// Introspection already reads the record by jti, so knowing which tokens
// must have one costs no extra query.
func (c accessTokenClaims) ofGrantFamily() bool { return c.Subject != c.ClientID }

// issuedToken is an access token ready to return.
type issuedToken struct {
	Value     string
	ExpiresIn int64
	Scope     string
}

// accessTokenTTL applies the client's extension lifetime, bounded by the
// workspace's (the workspace value is both default and maximum).
func accessTokenTTL(ws workspace.Workspace, cl client.Client) time.Duration {
	ttl := ws.Settings.AccessTokenTTL
	if l := cl.Metadata.AccessTokenLifetime; l > 0 && l < ttl {
		ttl = l
	}
	return time.Duration(ttl) * time.Second
}

// accessGrant is what an access token is issued for.
type accessGrant struct {
	Subject   string
	Scope     string
	Resources []string // RFC 8707; empty means the issuer itself
	GrantType string
	GrantID   string // token family; empty for a standalone token
	AuthTime  time.Time
	// NotAfter, when set, caps the token's expiry: a token of a grant
	// does not outlive the grant's end.
	NotAfter time.Time
	// CertThumbprint binds the token to the client certificate of that
	// x5t#S256 (RFC 8705 §3); "" binds it to none.
	CertThumbprint string
}

// ttlUntil shortens ttl so that a token issued at now ends by notAfter.
func ttlUntil(now time.Time, ttl time.Duration, notAfter time.Time) time.Duration {
	if left := notAfter.Sub(now).Truncate(time.Second); !notAfter.IsZero() && left < ttl {
		return max(left, time.Second)
	}
	return ttl
}

// issueAccessToken makes a standalone access token (client_credentials)
// and stores the record it needs, if any.
func (s *Service) issueAccessToken(ctx context.Context, ws workspace.Workspace, cl client.Client, g accessGrant) (issuedToken, error) {
	tok, rec, err := s.mintAccessToken(ctx, ws, cl, g)
	if err == nil && rec != nil {
		err = s.Store.CreateToken(ctx, *rec)
	}
	if err != nil {
		return issuedToken{}, fmt.Errorf("issue access token: %w", err)
	}
	s.countIssued(ws, g.GrantType, store.KindAccess, ws.Settings.AccessTokenFormat)
	return tok, nil
}

// mintGrantAccessToken mints the access token of a grant family (code,
// refresh), whose record is stored with the grant's other writes.
func (s *Service) mintGrantAccessToken(ctx context.Context, ws workspace.Workspace, cl client.Client, g accessGrant) (issuedToken, store.Token, error) {
	if g.GrantID == "" {
		return issuedToken{}, store.Token{}, errors.New("oauth: the access token of a grant needs the grant's id")
	}
	tok, rec, err := s.mintAccessToken(ctx, ws, cl, g)
	if err != nil {
		return issuedToken{}, store.Token{}, err
	}
	return tok, *rec, nil // a family's token always has a record
}

// mintAccessToken makes an access token and the record that must be
// stored before it is handed out, if any. A JWT is verified by signature
// and checked against the revocation list, so a standalone one has no
// record; one of a grant family gets a record without hash, so revoking
// the family — a replayed code, a reused refresh token — reaches it. An
// opaque token is stored as a keyed hash, so the database never holds a
// usable token.
func (s *Service) mintAccessToken(ctx context.Context, ws workspace.Workspace, cl client.Client, g accessGrant) (issuedToken, *store.Token, error) {
	now := s.Time()
	ttl := ttlUntil(now, accessTokenTTL(ws, cl), g.NotAfter)
	jti, err := secret.TimeOrderedID(now, s.Random())
	if err != nil {
		return issuedToken{}, nil, err
	}
	family := g.GrantID != ""
	if !family {
		g.GrantID = jti
	}
	aud := audience(g.Resources)
	if len(aud) == 0 {
		aud = audience{s.Issuer(ws)}
	}
	rec := &store.Token{
		Workspace: ws.Name, ID: jti, Kind: store.KindAccess, Format: workspace.FormatOpaque,
		ClientID: cl.ID, Subject: g.Subject, Scope: g.Scope, Audience: aud,
		GrantID: g.GrantID, IssuedAt: now, ExpiresAt: now.Add(ttl), AuthTime: g.AuthTime,
		CertThumbprint: g.CertThumbprint,
	}
	tok := issuedToken{ExpiresIn: int64(ttl / time.Second), Scope: g.Scope}
	if ws.Settings.AccessTokenFormat == workspace.FormatOpaque {
		tok.Value, err = s.opaqueValue(rec, secret.PurposeAccessToken)
		return tok, rec, err
	}
	sub, err := s.subjectFor(ws, cl, g.Subject)
	if err != nil {
		return issuedToken{}, nil, err
	}
	claims := accessTokenClaims{
		Issuer: s.Issuer(ws), Subject: sub, Audience: aud,
		Expiry: rec.ExpiresAt.Unix(), IssuedAt: now.Unix(), JTI: jti,
		ClientID: cl.ID, Scope: g.Scope, Cnf: confirmationOf(g.CertThumbprint),
	}
	if !g.AuthTime.IsZero() {
		claims.AuthTime = g.AuthTime.Unix()
	}
	if tok.Value, err = s.Keys.Sign(ctx, ws.Name, ws.Settings.AccessTokenAlg, TypAccessToken, claims); err != nil || !family {
		return tok, nil, err
	}
	rec.Format = workspace.FormatJWT
	return tok, rec, nil
}

func (s *Service) countIssued(ws workspace.Workspace, grantType, kind, format string) {
	if s.Metrics != nil {
		s.Metrics.TokensIssued.WithLabelValues(ws.Name, grantType, kind, format).Inc()
	}
}

// opaqueValue makes a new random token value and puts its keyed hash in
// rec, which is what gets stored.
func (s *Service) opaqueValue(rec *store.Token, purpose string) (string, error) {
	value, err := secret.Generate(s.Random())
	if err != nil {
		return "", err
	}
	rec.Hash = s.Hasher.Hash(purpose, value)
	return value, nil
}

// countIssuedRecords counts the tokens of a grant once they are stored.
func (s *Service) countIssuedRecords(ws workspace.Workspace, grantType string, recs []store.Token) {
	for _, r := range recs {
		s.countIssued(ws, grantType, r.Kind, r.Format)
	}
}

// looksLikeJWT tells a compact JWS from our opaque tokens, which are
// base64url without dots.
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }
