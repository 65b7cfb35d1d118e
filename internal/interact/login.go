package interact

import (
	"context"
	"errors"
	"sync"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// LoginRequest is a posted sign-in form.
type LoginRequest struct {
	Browser
	Form               FormState
	Username, Password string
	// RemoteHost is the address the attempt came from: sign-ins are
	// throttled per network (its /24 or /64) as well as per account.
	RemoteHost string
}

// Login checks the submitted credentials, starts a session and carries on
// with the pending request.
func (s *Service) Login(ctx context.Context, ws workspace.Workspace, in LoginRequest) (Outcome, error) {
	p, cl, err := s.openForm(ctx, ws, in.Browser, in.Form)
	if err != nil {
		return Outcome{}, err
	}
	req := p.AuthorizeRequest
	u, verdict, err := s.attemptLogin(ctx, ws, in.Username, in.Password, in.RemoteHost)
	if err != nil {
		return Outcome{}, err
	}
	if verdict != loginOK {
		logFailedLogin(ctx, ws, in, failureReasons[verdict])
		return s.showLogin(ws, in.Browser, req, cl, verdictProblems[verdict], in.Username)
	}
	sess, cookie, err := s.startSession(ctx, ws, u)
	if errors.Is(err, store.ErrNotFound) {
		// The password was changed (or the account deleted) while it was
		// being checked: the one checked is no longer the password, so
		// this is a failed sign-in. It is not counted against the keys:
		// the attempt was right when checked, and the next one with that
		// password fails and counts as usual.
		logFailedLogin(ctx, ws, in, "password changed during the check")
		return s.showLogin(ws, in.Browser, req, cl, WrongCredentials, in.Username)
	}
	if err != nil {
		return Outcome{}, err
	}
	out, err := s.afterLogin(ctx, ws, in.Browser, req, cl, sess)
	out.Session = cookie
	return s.redirectErrors(ws, out, err)
}

// verdictProblems say on the sign-in page why it is shown again. An
// unknown user reads as a wrong password. A lock is said as such: it is
// counted per username as typed, existing or not, so saying it tells
// nothing about which accounts exist, and it tells the owner why the
// right password is refused (NIST SP 800-63B §5.2.2 lets us).
var verdictProblems = map[loginVerdict]Problem{
	loginRefused: Throttled, loginLocked: Locked,
	loginUnknownUser: WrongCredentials, loginWrongPassword: WrongCredentials,
}

// logFailedLogin records a failed sign-in for whoever watches for
// guessing: the username as typed, the address, and why; never the
// password.
func logFailedLogin(ctx context.Context, ws workspace.Workspace, in LoginRequest, reason string) {
	httpapi.Logger(ctx).Info("sign-in failed", "workspace", ws.Name, "username", in.Username,
		"address", in.RemoteHost, "reason", reason)
}

// dummyHash is verified against when the username is unknown, so a
// missing account takes as long as a wrong password. Made on first use:
// it costs one full argon2id hash.
var dummyHash = sync.OnceValue(func() string {
	h, _ := user.HashPassword("registrar-dummy-password", user.DefaultParams)
	return h
})

// checkPassword runs in a user.CheckSlot. An unknown username costs the
// same as a wrong password, and reads the same.
func (s *Service) checkPassword(ctx context.Context, ws workspace.Workspace, username, password string) (user.User, bool, error) {
	u, err := s.Store.UserByUsername(ctx, ws.Name, username)
	if errors.Is(err, store.ErrNotFound) || username == "" {
		user.VerifyPassword(password, dummyHash())
		return user.User{}, false, nil
	}
	if err != nil {
		return user.User{}, false, err
	}
	ok, err := user.VerifyPassword(password, u.PasswordHash)
	return u, ok && err == nil, nil
}
