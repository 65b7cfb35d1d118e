package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// idTokenClaims are OIDC Core §2 claims plus at_hash (§3.1.3.6).
type idTokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	Nonce    string   `json:"nonce,omitempty"`
	AtHash   string   `json:"at_hash,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	ACR      string   `json:"acr,omitempty"`
	AZP      string   `json:"azp"`
}

// atHash: the left half of the SHA-256 of the access token, base64url
// (OIDC Core §3.1.3.6). All our algs (RS256, PS256, ES256) use SHA-256.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func idTokenTTL(ws workspace.Workspace, cl client.Client) time.Duration {
	ttl := ws.Settings.IDTokenTTL
	if l := cl.Metadata.IDTokenLifetime; l > 0 && l < ttl {
		ttl = l
	}
	return time.Duration(ttl) * time.Second
}

// issueIDToken signs an ID token with the client's registered
// id_token_signed_response_alg (RS256 by default, OIDC Registration §2).
func (s *Service) issueIDToken(ctx context.Context, ws workspace.Workspace, cl client.Client, subject, nonce, accessToken string, authTime time.Time, amr []string) (string, error) {
	now := s.Time()
	alg := cl.Metadata.IDTokenSignedResponseAlg
	if alg == "" {
		alg = client.DefaultIDTokenSignedResponse
	}
	return s.Keys.Sign(ctx, ws.Name, alg, "JWT", idTokenClaims{
		Issuer: s.Issuer(ws), Subject: subject, Audience: cl.ID, AZP: cl.ID,
		Expiry: now.Add(idTokenTTL(ws, cl)).Unix(), IssuedAt: now.Unix(), AuthTime: authTime.Unix(),
		Nonce: nonce, AtHash: atHash(accessToken), AMR: amr,
	})
}
