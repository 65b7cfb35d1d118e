package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
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
	sub, err := s.subjectFor(ws, cl, subject)
	if err != nil {
		return "", err
	}
	return s.Keys.Sign(ctx, ws.Name, alg, "JWT", idTokenClaims{
		Issuer: s.Issuer(ws), Subject: sub, Audience: cl.ID, AZP: cl.ID,
		Expiry: now.Add(idTokenTTL(ws, cl)).Unix(), IssuedAt: now.Unix(), AuthTime: authTime.Unix(),
		Nonce: nonce, AtHash: atHash(accessToken), AMR: amr,
	})
}

// IDTokenAudience returns the client an ID token of ws's issuer was
// issued to, or invalid_request when hint is no such token: RP-initiated
// logout may name its client by id_token_hint (RP-Initiated Logout 1.0 §2).
func (s *Service) IDTokenAudience(ctx context.Context, ws workspace.Workspace, hint string) (string, error) {
	payload, err := s.Keys.Verify(ctx, ws.Name, hint, "JWT")
	var c idTokenClaims
	if err != nil || json.Unmarshal(payload, &c) != nil || c.Issuer != s.Issuer(ws) {
		return "", oautherr.InvalidRequestf("id_token_hint is not an ID token of this issuer")
	}
	return c.Audience, nil
}
