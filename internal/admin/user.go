package admin

import (
	"context"
	"errors"
	"strings"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
)

// NewUser asks for a user who signs in with a password.
type NewUser struct {
	Workspace     string
	Username      string
	Password      string
	Email         string
	EmailVerified bool
	Name          string
	GivenName     string
	FamilyName    string
}

// Check refuses a username or email no workspace would take; the
// password is checked apart (CheckPassword), as a front end may ask for
// it later. Messages start with the field's name.
func (r NewUser) Check() error {
	if strings.TrimSpace(r.Username) == "" || strings.ContainsAny(r.Username, " \t\r\n") {
		return refuse(ErrInvalid, "username is required and must not contain spaces")
	}
	if err := user.CheckEmail(r.Email); err != nil {
		return refuse(ErrInvalid, "email: %v", err)
	}
	return nil
}

// minPasswordLen is in characters, not bytes.
const minPasswordLen = 8

// CheckPassword refuses a password too short to set.
func CheckPassword(p string) error {
	if len([]rune(p)) < minPasswordLen {
		return refuse(ErrInvalid, "the password must have at least %d characters", minPasswordLen)
	}
	return nil
}

// AddUser stores a new user with the password's hash.
func (s *Service) AddUser(ctx context.Context, req NewUser) (user.User, error) {
	if err := req.Check(); err != nil {
		return user.User{}, err
	}
	if _, err := s.Workspace(ctx, req.Workspace); err != nil {
		return user.User{}, err
	}
	hash, err := hashPassword(req.Password)
	if err != nil {
		return user.User{}, err
	}
	now := s.Time()
	id, err := s.newID(now)
	if err != nil {
		return user.User{}, err
	}
	u := user.User{
		Workspace: req.Workspace, ID: id, Username: req.Username, PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
		Email: req.Email, EmailVerified: req.EmailVerified, Name: req.Name, GivenName: req.GivenName, FamilyName: req.FamilyName,
	}
	if err := s.Store.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
		return user.User{}, refuse(ErrConflict, "user %q already exists in workspace %s", req.Username, req.Workspace)
	} else if err != nil {
		return user.User{}, err
	}
	s.audit(ctx, req.Workspace, ActionUserAdd, "", userTarget(u))
	return u, nil
}

func hashPassword(p string) (string, error) {
	if err := CheckPassword(p); err != nil {
		return "", err
	}
	return user.HashPassword(p, user.DefaultParams)
}

// Users lists a workspace's users by username.
func (s *Service) Users(ctx context.Context, wsName string) ([]user.User, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return nil, err
	}
	return s.Store.ListUsers(ctx, wsName)
}

// User returns one user by username.
func (s *Service) User(ctx context.Context, wsName, username string) (user.User, error) {
	return s.findUser(ctx, wsName, username, s.Store.UserByUsername)
}

// findUser reads a user of a workspace that must exist with find, by
// key (a username or an id).
func (s *Service) findUser(ctx context.Context, wsName, key string, find func(ctx context.Context, ws, key string) (user.User, error)) (user.User, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return user.User{}, err
	}
	u, err := find(ctx, wsName, key)
	if errors.Is(err, store.ErrNotFound) {
		return u, refuse(ErrNotFound, "no user %q in workspace %s", key, wsName)
	}
	return u, err
}

// DeleteUser deletes a user with their sessions, consents and tokens.
func (s *Service) DeleteUser(ctx context.Context, wsName, username string) error {
	u, err := s.User(ctx, wsName, username)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteUser(ctx, wsName, u.ID); err != nil {
		return err
	}
	s.audit(ctx, wsName, ActionUserDelete, "", userTarget(u))
	return nil
}

// PasswordChange asks to set a user's password.
type PasswordChange struct {
	Workspace string
	Username  string
	Password  string
}

// SetPassword sets a user's password. A new password is what an operator
// sets after a suspected compromise, so the store ends, with the change,
// whatever the old one signed in: browser sessions, unredeemed codes,
// refresh and access tokens (store.Users.SetUserPassword).
func (s *Service) SetPassword(ctx context.Context, req PasswordChange) error {
	u, err := s.User(ctx, req.Workspace, req.Username)
	if err != nil {
		return err
	}
	hash, err := hashPassword(req.Password)
	if err != nil {
		return err
	}
	if err := s.Store.SetUserPassword(ctx, req.Workspace, u.ID, hash, s.Time()); err != nil {
		return err
	}
	s.audit(ctx, req.Workspace, ActionUserResetPassword, "", userTarget(u))
	return nil
}

// userTarget names a user in the audit trail: the id, which stays, and
// the username, which a reader knows.
func userTarget(u user.User) string { return "user:" + u.ID + " (" + u.Username + ")" }

// UserByID returns one user by id.
func (s *Service) UserByID(ctx context.Context, wsName, id string) (user.User, error) {
	return s.findUser(ctx, wsName, id, s.Store.UserByID)
}

// UnlockUser lifts the lock that consecutive failed sign-ins put on a
// user's account and forgets the recent failures that would still slow
// them, so the owner can sign in at once. It returns the lock as it was
// (the zero AccountLock if there was none).
func (s *Service) UnlockUser(ctx context.Context, wsName, username string) (store.AccountLock, error) {
	u, err := s.User(ctx, wsName, username)
	if err != nil {
		return store.AccountLock{}, err
	}
	key := user.ThrottleKey(u.Username)
	lock, err := s.Store.AccountLock(ctx, wsName, key)
	if err != nil || (lock.Failures == 0 && lock.LockedUntil.IsZero()) {
		return lock, err // nothing on record: nothing to lift, nothing to audit
	}
	if err := s.Store.ClearAccountLock(ctx, wsName, key); err != nil {
		return lock, err
	}
	if err := s.Store.ClearLoginFailures(ctx, wsName, key); err != nil {
		return lock, err
	}
	s.audit(ctx, wsName, ActionUserUnlock, "", userTarget(u))
	return lock, nil
}
