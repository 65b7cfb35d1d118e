package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/secret"
)

// SessionTTL bounds a console session: an operator signs in again after a
// working day, whatever the admin token's own lifetime.
const SessionTTL = 8 * time.Hour

// sessionAAD binds a sealed session to its use: a value sealed for
// anything else under the same key does not open as a session.
var sessionAAD = []byte("registrar admin console session v1")

// Session is what the console cookie carries, sealed: the admin token it
// was opened with (by id, looked up again on each request, so revoking
// the token ends its sessions), when it ends, and the secret its forms
// echo against cross-site posts.
type Session struct {
	TokenID string    `json:"tid"`
	Name    string    `json:"name"`
	Expires time.Time `json:"exp"`
	CSRF    string    `json:"csrf"`
	// Env is, for a session of REGISTRAR_ADMIN_TOKEN (one id, whatever
	// the value), a digest of the value it was opened with: replacing a
	// leaked value ends its sessions too.
	Env string `json:"env,omitempty"`
}

// Sessions seals and opens console sessions. There is no table: the
// cookie is the session, and a revoked admin token is what ends it early.
type Sessions struct {
	Sealer *masterkey.Sealer
	Now    func() time.Time
	Random io.Reader
}

// ErrNoSession: no cookie, or one that does not open, or has expired.
var ErrNoSession = errors.New("no console session")

// Start opens a session for an admin token and returns its cookie value;
// env is EnvDigest of the REGISTRAR_ADMIN_TOKEN value it was opened
// with, or "" for a stored token.
func (s *Sessions) Start(tokenID, name, env string) (Session, string, error) {
	csrf, err := secret.Generate(s.Random)
	if err != nil {
		return Session{}, "", err
	}
	sess := Session{TokenID: tokenID, Name: name, Expires: s.Now().Add(SessionTTL).UTC(), CSRF: csrf, Env: env}
	plain, err := json.Marshal(sess)
	if err != nil {
		return Session{}, "", err
	}
	sealed, err := s.Sealer.Seal(plain, sessionAAD)
	if err != nil {
		return Session{}, "", err
	}
	return sess, base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open returns the session a cookie value carries, if it is live.
func (s *Sessions) Open(value string) (Session, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || value == "" {
		return Session{}, ErrNoSession
	}
	plain, err := s.Sealer.Open(sealed, sessionAAD)
	if err != nil {
		return Session{}, ErrNoSession
	}
	var sess Session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.TokenID == "" || sess.CSRF == "" {
		return Session{}, ErrNoSession
	}
	if !s.Now().Before(sess.Expires) {
		return Session{}, ErrNoSession
	}
	return sess, nil
}

// EnvDigest identifies a REGISTRAR_ADMIN_TOKEN value inside sealed
// sessions, without the value.
func EnvDigest(value string) string {
	sum := sha256.Sum256([]byte("registrar console env token\x00" + value))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// ValidCSRF reports whether a form's token is this session's.
func (sess Session) ValidCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRF)) == 1
}
