package interact

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Sign-in throttling, per account and per network. Each key has a gate
// in the database that lets one attempt through at a time once the key
// has failures: an attempt claims it, and on failure shuts it for a
// backoff that grows with the key's recent failures. Guesses sent in
// parallel, to any node, therefore cannot each get a password check: the
// ones that find the gate shut wait for it briefly (so a user who mistyped
// is only slowed) and are refused, unchecked, if it does not open for them.
//
// Delays alone do not cap guessing: an attacker rotating addresses gets
// a guess every few seconds per account, ~20,000 a day. So each account
// also counts its consecutive failures, whatever their pace, and is
// locked at the workspace's login.max_failures (NIST SP 800-63B §5.2.2:
// at most 100) for login.lockout; a success or `registrar user unlock`
// ends the count. The count stays at the limit when a lock times out, so
// each further failure locks again: past the limit a guesser gets one
// guess per lockout, while the owner, with the right password, is back.
const (
	loginWindow       = 15 * time.Minute
	freeLoginFailures = 5
	maxLoginDelay     = 5 * time.Second
	// attemptHold shuts a gate while its attempt is checked: longer than
	// a password check takes, short enough that an attempt whose node
	// died mid-check does not block the key for long.
	attemptHold = 2 * time.Second
)

// LoginStateRetention is how long failed-login records and login gates
// matter: older ones may be collected (they count in no window).
const LoginStateRetention = loginWindow + maxLoginDelay

// AccountLockRetention is how long an account's count of consecutive
// failures outlives its last failure (and lock): a month's quiet forgets
// it, so guesses at names that are no account do not pile up for ever,
// while a guesser slow enough to wait that long between failures gets
// far fewer guesses than the cap allows.
const AccountLockRetention = 30 * 24 * time.Hour

// gateFrom is how many recent failures make attempts go through a key's
// gate: an account's after its first, so guesses at it are checked one at
// a time; a network's only once it is throttled, because many people may
// sign in from one network at the same moment. Below that, attempts run
// concurrently (one account signed in from many browsers at once).
var gateFrom = [2]int{freeLoginFailures, 1}

// loginBackoff is how long a key's gate stays shut after its n-th failure
// in the window: not at all for the first few (typos), then a second more
// for each, up to maxLoginDelay.
func loginBackoff(n int) time.Duration {
	if n < freeLoginFailures {
		return 0
	}
	return min(time.Duration(n-freeLoginFailures+1)*time.Second, maxLoginDelay)
}

type loginVerdict int

const (
	loginRefused loginVerdict = iota // throttled: the password was not checked
	loginLocked                      // the account is locked: not checked either
	loginUnknownUser
	loginWrongPassword
	loginOK
)

// failureReasons name the failed verdicts in the log.
var failureReasons = map[loginVerdict]string{
	loginRefused: "throttled", loginLocked: "locked",
	loginUnknownUser: "unknown user", loginWrongPassword: "wrong password",
}

// attemptLogin runs one throttled sign-in attempt: past the account's
// lock, through its gates, into a password-check slot, and out with the
// outcome recorded before the slot is freed, so the next attempt in the
// queue sees it. After an error the gates it holds reopen when
// attemptHold ends.
func (s *Service) attemptLogin(ctx context.Context, ws workspace.Workspace, username, password, addr string) (user.User, loginVerdict, error) {
	account := user.ThrottleKey(username)
	lock, err := s.Store.AccountLock(ctx, ws.Name, account)
	if err != nil {
		return user.User{}, loginRefused, err
	}
	if lock.LockedAt(s.Time()) {
		return user.User{}, loginLocked, nil
	}
	att, err := s.beginAttempt(ctx, ws, account, networkKey(addr))
	if err != nil || att == nil {
		return user.User{}, loginRefused, err
	}
	att.consecutive = lock.Failures
	release, err := user.CheckSlot(ctx)
	if err != nil {
		return user.User{}, loginRefused, err
	}
	defer release()
	if throttled, err := s.throttledMeanwhile(ctx, ws, att); err != nil || throttled {
		return user.User{}, loginRefused, errors.Join(err, s.releaseGates(ctx, ws, att))
	}
	u, ok, err := s.checkPassword(ctx, ws, username, password)
	if err == nil {
		err = s.endAttempt(ctx, ws, att, ok)
	}
	switch {
	case ok:
		return u, loginOK, err
	case u.ID == "":
		return user.User{}, loginUnknownUser, err
	}
	return user.User{}, loginWrongPassword, err
}

// networkKey is the throttle key of the network addr belongs to: its /24
// for IPv4, its /64 for IPv6. A guesser is handed addresses by the block
// (a /64 is one customer's link), so keying single addresses would let it
// start afresh from the next one. addr is the caller as trusted_proxies
// resolved it (httpapi.ClientAddress).
func networkKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "addr:" + addr
	}
	ip = ip.Unmap().WithZone("")
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	network, _ := ip.Prefix(bits)
	return "net:" + network.String()
}

// loginAttempt is a sign-in attempt let through its gates. keys[0] is the
// network, keys[1] the account: the account's gate is claimed last, so its
// hold is not spent waiting for the network's.
type loginAttempt struct {
	keys     [2]string
	failures [2]int  // each key's failures in the window before this attempt
	claimed  [2]bool // whose gate this attempt holds
	// consecutive is the account's count of consecutive failures before
	// this attempt.
	consecutive int
}

// beginAttempt claims the gates the attempt must pass, or returns nil
// when it is to be refused unchecked.
func (s *Service) beginAttempt(ctx context.Context, ws workspace.Workspace, account, network string) (*loginAttempt, error) {
	a := &loginAttempt{keys: [2]string{network, account}}
	deadline := s.Time().Add(maxLoginDelay)
	for i, k := range a.keys {
		n, err := s.Store.LoginFailures(ctx, ws.Name, k, s.Time().Add(-loginWindow))
		if err != nil {
			return nil, err
		}
		a.failures[i] = n
		if n < gateFrom[i] {
			continue
		}
		ok, err := s.claimGate(ctx, ws, k, deadline)
		if err != nil || !ok {
			return nil, errors.Join(err, s.releaseGates(ctx, ws, a))
		}
		a.claimed[i] = true
	}
	return a, nil
}

// claimGate claims key's gate, waiting for it once if it opens before
// deadline. Of attempts waiting together only one gets it as it opens;
// the others give up rather than queue, so waiting cannot be used to get
// a check later.
func (s *Service) claimGate(ctx context.Context, ws workspace.Workspace, key string, deadline time.Time) (bool, error) {
	now := s.Time()
	opens, ok, err := s.Store.ClaimLoginGate(ctx, ws.Name, key, now, now.Add(attemptHold))
	if err != nil || ok || opens.After(deadline) {
		return ok, err
	}
	select {
	case <-time.After(opens.Sub(now)):
	case <-ctx.Done():
		return false, ctx.Err()
	}
	now = s.Time()
	_, ok, err = s.Store.ClaimLoginGate(ctx, ws.Name, key, now, now.Add(attemptHold))
	return ok, err
}

// throttledMeanwhile reports whether a key the attempt passed ungated has
// failed enough, while the attempt queued for a password check, to need
// its gate now. Without this a burst of guesses at an account without
// failures would all be checked: each read the count before any failed.
func (s *Service) throttledMeanwhile(ctx context.Context, ws workspace.Workspace, a *loginAttempt) (bool, error) {
	for i, k := range a.keys {
		if a.claimed[i] {
			continue
		}
		n, err := s.Store.LoginFailures(ctx, ws.Name, k, s.Time().Add(-loginWindow))
		if err != nil || n >= gateFrom[i] {
			return n >= gateFrom[i], err
		}
	}
	return false, nil
}

// releaseGates reopens the gates an attempt claimed but will not use:
// they were open when it claimed them.
func (s *Service) releaseGates(ctx context.Context, ws workspace.Workspace, a *loginAttempt) error {
	for i, k := range a.keys {
		if a.claimed[i] {
			if err := s.Store.SetLoginGate(ctx, ws.Name, k, s.Time()); err != nil {
				return err
			}
		}
	}
	return nil
}

// endAttempt records the outcome and sets each gate for the next attempt.
// A success forgets the account's failures (its owner is back) but not the
// network's: one good password from a network does not vouch for the
// other guesses made from it. A key passed ungated had no failures to
// forget, so the common sign-in writes nothing here.
func (s *Service) endAttempt(ctx context.Context, ws workspace.Workspace, a *loginAttempt, success bool) error {
	if err := s.countConsecutive(ctx, ws, a, success); err != nil {
		return err
	}
	now := s.Time()
	for i, k := range a.keys {
		var err error
		switch {
		case !success:
			err = s.recordFailure(ctx, ws, k, i, a.claimed[i], now)
		case !a.claimed[i]:
		case i == 1:
			err = s.Store.ClearLoginFailures(ctx, ws.Name, k)
		default:
			err = s.Store.SetLoginGate(ctx, ws.Name, k, now.Add(loginBackoff(a.failures[i])))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// recordFailure counts a failure and shuts the gate for the backoff it
// earns, also when this attempt did not hold the gate but the failure
// brings the key to where attempts need it.
func (s *Service) recordFailure(ctx context.Context, ws workspace.Workspace, key string, i int, claimed bool, now time.Time) error {
	n, err := s.Store.RecordLoginFailure(ctx, ws.Name, key, now, now.Add(-loginWindow))
	if err != nil || (!claimed && n < gateFrom[i]) {
		return err
	}
	return s.Store.SetLoginGate(ctx, ws.Name, key, now.Add(loginBackoff(n)))
}

// countConsecutive keeps the account's count of consecutive failures: one
// more after a failure, locking the account when that reaches the
// workspace's limit; none after a success, which writes only when there
// was a count to forget.
func (s *Service) countConsecutive(ctx context.Context, ws workspace.Workspace, a *loginAttempt, success bool) error {
	account := a.keys[1]
	if success {
		if a.consecutive == 0 {
			return nil
		}
		return s.Store.ClearAccountLock(ctx, ws.Name, account)
	}
	now, limit := s.Time(), ws.Settings.LoginMaxFailures()
	lock, err := s.Store.RecordConsecutiveFailure(ctx, ws.Name, account, now, limit, now.Add(ws.Settings.LoginLockout()))
	if err == nil && lock.Failures >= limit {
		httpapi.Logger(ctx).Warn("account locked after consecutive failed sign-ins", "workspace", ws.Name,
			"account", account, "failures", lock.Failures, "locked_until", lock.LockedUntil)
	}
	return err
}
