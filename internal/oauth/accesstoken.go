package oauth

import (
	"context"
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

// accessTokenClaims are the RFC 9068 §2.2 claims.
type accessTokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	JTI      string `json:"jti"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

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

// issueAccessToken makes a JWT (not stored: it is verified by signature and
// checked against the revocation list) or an opaque token (stored as a
// keyed hash, so the database never holds a usable token).
func (s *Service) issueAccessToken(ctx context.Context, ws workspace.Workspace, cl client.Client, subject, scope, grantType string) (issuedToken, error) {
	now := s.now()
	ttl := accessTokenTTL(ws, cl)
	jti, err := secret.ID(s.rand(), 16)
	if err != nil {
		return issuedToken{}, err
	}
	var value string
	format := ws.Settings.AccessTokenFormat
	if format == workspace.FormatOpaque {
		value, err = s.storeOpaqueToken(ctx, ws, cl, jti, subject, scope, now, now.Add(ttl))
	} else {
		value, err = s.Keys.Sign(ctx, ws.Name, ws.Settings.AccessTokenAlg, TypAccessToken, accessTokenClaims{
			Issuer: s.Issuer(ws), Subject: subject, Audience: s.Issuer(ws),
			Expiry: now.Add(ttl).Unix(), IssuedAt: now.Unix(), JTI: jti,
			ClientID: cl.ID, Scope: scope,
		})
	}
	if err != nil {
		return issuedToken{}, fmt.Errorf("issue access token: %w", err)
	}
	if s.Metrics != nil {
		s.Metrics.TokensIssued.WithLabelValues(ws.Name, grantType, store.KindAccess, format).Inc()
	}
	return issuedToken{Value: value, ExpiresIn: int64(ttl / time.Second), Scope: scope}, nil
}

func (s *Service) storeOpaqueToken(ctx context.Context, ws workspace.Workspace, cl client.Client, id, subject, scope string, now, exp time.Time) (string, error) {
	value, err := secret.Generate(s.rand())
	if err != nil {
		return "", err
	}
	err = s.Store.CreateToken(ctx, store.Token{
		Workspace: ws.Name, ID: id, Kind: store.KindAccess, Format: store.FormatOpaque,
		Hash: s.Hasher.Hash(secret.PurposeAccessToken, value), ClientID: cl.ID,
		Subject: subject, Scope: scope, Audience: []string{s.Issuer(ws)},
		GrantID: id, IssuedAt: now, ExpiresAt: exp,
	})
	return value, err
}

// looksLikeJWT tells a compact JWS from our opaque tokens, which are
// base64url without dots.
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }
