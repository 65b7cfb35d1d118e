package interact

import (
	"context"
	"errors"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

const sessionTTL = 12 * time.Hour

// currentSession returns the browser's live session, or ok=false.
func (s *Service) currentSession(ctx context.Context, ws workspace.Workspace, b Browser) (store.Session, bool, error) {
	if b.Session == "" {
		return store.Session{}, false, nil
	}
	sess, err := s.Store.SessionByHash(ctx, ws.Name, s.Hasher.Hash(secret.PurposeSession, b.Session))
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

// startSession stores a new session for u and returns it with the cookie
// that carries it. A new value on every login prevents session fixation.
// The session is stored only if u still has the password hash it was
// signed in with (u.PasswordHash, as read before the check): ErrNotFound,
// and no cookie, if a password change or the user's deletion committed
// meanwhile.
func (s *Service) startSession(ctx context.Context, ws workspace.Workspace, u user.User) (store.Session, *SessionCookie, error) {
	value, err := secret.Generate(s.Random())
	if err != nil {
		return store.Session{}, nil, err
	}
	id, err := secret.ID(s.Random(), 16)
	if err != nil {
		return store.Session{}, nil, err
	}
	now := s.Time()
	sess := store.Session{
		Workspace: ws.Name, ID: id, Hash: s.Hasher.Hash(secret.PurposeSession, value), UserID: u.ID,
		AuthTime: now, AMR: []string{"pwd"}, ExpiresAt: now.Add(sessionTTL),
	}
	if err := s.Store.CreateSession(ctx, sess, u.PasswordHash); err != nil {
		return store.Session{}, nil, err
	}
	return sess, &SessionCookie{Value: value, MaxAge: sessionTTL}, nil
}

// csrfToken returns the browser's CSRF value or, when it has none, a new
// one (fresh) for its cookie: forms must echo the cookie (double submit).
func (s *Service) csrfToken(b Browser) (value string, fresh bool, err error) {
	if len(b.CSRF) >= 32 {
		return b.CSRF, false, nil
	}
	v, err := secret.Generate(s.Random())
	return v, err == nil, err
}
