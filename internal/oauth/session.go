package oauth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Cookies are per workspace (path-scoped), HttpOnly, SameSite=Lax, and
// Secure when the issuer is https.
const (
	sessionCookie = "registrar_session"
	csrfCookie    = "registrar_csrf"
	sessionTTL    = 12 * time.Hour
	purposeSess   = "session"
)

func (s *Service) cookie(ws workspace.Workspace, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/" + ws.Name + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.Flow.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

// currentSession returns the browser's live session, or ok=false.
func (s *Service) currentSession(ctx context.Context, ws workspace.Workspace, r *http.Request) (store.Session, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return store.Session{}, false, nil
	}
	sess, err := s.Flow.Store.SessionByHash(ctx, ws.Name, s.Hasher.Hash(purposeSess, c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, false, nil
	}
	if err != nil {
		return store.Session{}, false, err
	}
	if !s.Time().Before(sess.ExpiresAt) {
		return store.Session{}, false, nil
	}
	return sess, true, nil
}

// startSession stores a new session for u and sets its cookie. A new
// value on every login prevents session fixation. The session is stored
// only if u still has the password hash it was signed in with
// (u.PasswordHash, as read before the check): ErrNotFound, and no cookie,
// if a password change or the user's deletion committed meanwhile.
func (s *Service) startSession(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, u user.User) (store.Session, error) {
	value, err := secret.Generate(s.Random())
	if err != nil {
		return store.Session{}, err
	}
	id, err := secret.ID(s.Random(), 16)
	if err != nil {
		return store.Session{}, err
	}
	now := s.Time()
	sess := store.Session{
		Workspace: ws.Name, ID: id, Hash: s.Hasher.Hash(purposeSess, value), UserID: u.ID,
		AuthTime: now, AMR: []string{"pwd"}, ExpiresAt: now.Add(sessionTTL),
	}
	if err := s.Flow.Store.CreateSession(ctx, sess, u.PasswordHash); err != nil {
		return store.Session{}, err
	}
	http.SetCookie(w, s.cookie(ws, sessionCookie, value, int(sessionTTL/time.Second)))
	return sess, nil
}

// csrfToken returns the browser's CSRF value, setting a new cookie when
// it has none (double-submit: the form must echo the cookie).
func (s *Service) csrfToken(ws workspace.Workspace, w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value, nil
	}
	v, err := secret.Generate(s.Random())
	if err != nil {
		return "", err
	}
	http.SetCookie(w, s.cookie(ws, csrfCookie, v, 3600))
	return v, nil
}
