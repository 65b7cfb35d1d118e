package interact

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/workspace"
)

const (
	alicePassword = "old password"
	guesserAddr   = "192.0.2.1"
)

// lockFixture is the race fixture on a clock the test moves: each guess
// comes 10 s after the last, past any throttle backoff (at most 5 s), so
// only the account lock can refuse it.
type lockFixture struct {
	*raceFixture
	now time.Time
}

func newLockFixture(t *testing.T) *lockFixture {
	f := &lockFixture{raceFixture: newRaceFixture(t), now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	f.s.Now = func() time.Time { return f.now }
	return f
}

// guess is one sign-in attempt as username from addr, 10 s after the last.
func (f *lockFixture) guess(t *testing.T, username, password, addr string) loginVerdict {
	t.Helper()
	f.now = f.now.Add(10 * time.Second)
	_, verdict, err := f.s.attemptLogin(context.Background(), f.ws, username, password, addr)
	if err != nil {
		t.Fatal(err)
	}
	return verdict
}

// try signs in as alice with the right password from the guesser's
// address, and fails the test unless the verdict is want.
func (f *lockFixture) try(t *testing.T, want loginVerdict, when string) {
	t.Helper()
	if v := f.guess(t, "alice", alicePassword, guesserAddr); v != want {
		t.Fatalf("the right password %s: verdict %v; want %v", when, v, want)
	}
}

// fail makes n wrong guesses at alice, each checked and refused as wrong.
func (f *lockFixture) fail(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if v := f.guess(t, "alice", "wrong", guesserAddr); v != loginWrongPassword {
			t.Fatalf("wrong guess %d: verdict %v; want a checked wrong password", i+1, v)
		}
	}
}

// The 100th consecutive failure locks the account, whose right password
// is then refused unchecked; fewer do not.
func TestAccountLockedAtTheHundredthConsecutiveFailure(t *testing.T) {
	f := newLockFixture(t)
	if got := f.ws.Settings.LoginMaxFailures(); got != 100 {
		t.Fatalf("default login.max_failures %d; want 100", got)
	}
	f.fail(t, 99)
	f.try(t, loginOK, "after 99 failures")
	f.fail(t, 100)
	f.try(t, loginLocked, "after 100 failures")
	// The lock holds from any network: it is the account's.
	if v := f.guess(t, "alice", alicePassword, "198.51.100.7"); v != loginLocked {
		t.Fatalf("from another network: verdict %v; want locked", v)
	}
}

// Consecutive means a success ends the count: 99 failures, a success,
// 99 more leave the account open.
func TestSuccessResetsTheConsecutiveFailures(t *testing.T) {
	f := newLockFixture(t)
	f.fail(t, 99)
	f.try(t, loginOK, "after 99 failures")
	f.fail(t, 99)
	f.try(t, loginOK, "after a success and 99 more failures")
}

// A lock lifts by itself after login.lockout; the count stays at the
// limit, so one more failure locks again at once.
func TestLockLiftsAfterTheLockout(t *testing.T) {
	f := newLockFixture(t)
	f.ws.Settings.Login = workspace.Login{MaxFailures: 3, Lockout: 600}
	f.fail(t, 3)
	lockedAt := f.now
	f.now = lockedAt.Add(589 * time.Second) // guess adds 10 s: a second before the lock ends
	f.try(t, loginLocked, "at the end of the lockout")
	f.fail(t, 1) // lock over: checked, and locks again
	f.try(t, loginLocked, "after a failure past the limit")
	f.now = f.now.Add(601 * time.Second)
	f.try(t, loginOK, "after the lockout")
	f.fail(t, 2) // the success ended the count: two failures do not lock
	f.try(t, loginOK, "after the sign-in and 2 more failures")
}

// A username that is no account locks as one does, so a lock (which the
// page names) says nothing about which usernames exist.
func TestUnknownUsernameLocksAlike(t *testing.T) {
	f := newLockFixture(t)
	f.ws.Settings.Login = workspace.Login{MaxFailures: 1, Lockout: 600}
	if v := f.guess(t, "mallory", "guess", guesserAddr); v != loginUnknownUser {
		t.Fatalf("a guess at an unknown username: verdict %v", v)
	}
	if v := f.guess(t, "Mallory", "guess", guesserAddr); v != loginLocked {
		t.Fatalf("unknown username after its failure (typed in other case): verdict %v; want locked", v)
	}
}

// `registrar user unlock` (admin.UnlockUser) lifts the lock before the
// lockout ends and ends the count.
func TestUnlockLiftsTheLock(t *testing.T) {
	f := newLockFixture(t)
	f.ws.Settings.Login = workspace.Login{MaxFailures: 3, Lockout: 3600}
	f.fail(t, 3)
	f.try(t, loginLocked, "after 3 failures")
	st := f.store.Store.(admin.Store) // the SQLite store the flow uses
	ws := f.ws
	ws.CreatedAt, ws.UpdatedAt = f.now, f.now
	if err := st.CreateWorkspace(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	adm := &admin.Service{Store: st}
	lock, err := adm.UnlockUser(context.Background(), f.ws.Name, "alice")
	if err != nil || lock.Failures != 3 {
		t.Fatalf("unlock: %+v %v; want the lock after 3 failures reported", lock, err)
	}
	f.fail(t, 2)
	f.try(t, loginOK, "after the unlock and 2 failures")
}

// Addresses are throttled by network: a /24 for IPv4 (an IPv4-mapped IPv6
// address being its IPv4 one), a /64 for IPv6.
func TestNetworkKey(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"one IPv4 /24", "192.0.2.1", "192.0.2.254", true},
		{"neighbouring IPv4 /24s", "192.0.2.1", "192.0.3.1", false},
		{"IPv4-mapped IPv6 is its IPv4 address", "::ffff:192.0.2.9", "192.0.2.1", true},
		{"one IPv6 /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"neighbouring IPv6 /64s", "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"a zone does not make another key", "fe80::1%eth0", "fe80::2", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := networkKey(tc.a), networkKey(tc.b)
			if (ka == kb) != tc.same {
				t.Fatalf("%s → %q, %s → %q; same key wanted: %v", tc.a, ka, tc.b, kb, tc.same)
			}
		})
	}
}

// The sign-in throttle applies the network key: failures from one address
// throttle another in its /24, not one in another /24.
func TestThrottleSharedWithinANetwork(t *testing.T) {
	f := newLockFixture(t)
	for i := 0; i < freeLoginFailures; i++ {
		f.guess(t, "alice", "wrong", "192.0.2.1")
	}
	// At the instant of the last failure, the network's gate is shut for
	// a second: an attempt from its /24 waits for it and, the clock not
	// moving, finds it still shut.
	ctx := context.Background()
	if _, v, err := f.s.attemptLogin(ctx, f.ws, "bob", "guess", "192.0.2.77"); err != nil || v != loginRefused {
		t.Fatalf("from the same /24 right after its failures: verdict %v %v; want refused unchecked", v, err)
	}
	if _, v, err := f.s.attemptLogin(ctx, f.ws, "bob", "guess", "198.51.100.77"); err != nil || v != loginUnknownUser {
		t.Fatalf("from another /24: verdict %v %v; want checked", v, err)
	}
}

// Failed sign-ins are logged with the username as typed, the address and
// the reason, and never the password; a lock is logged too.
func TestFailedSignInsLoggedWithoutThePassword(t *testing.T) {
	f := newLockFixture(t)
	f.ws.Settings.Login = workspace.Login{MaxFailures: 2, Lockout: 600}
	f.h.Workspaces = func(context.Context, string) (workspace.Workspace, error) { return f.ws, nil }
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	mux := http.NewServeMux()
	f.h.Routes(mux)
	served := httpapi.Instrument(mux, logger, httpapi.NewMetrics(prometheus.NewRegistry()), false)
	const secretGuess = "s3cret-Guess-7731"
	attempts := []struct{ username, password, reason, notice string }{
		{"nobody", secretGuess, "unknown user", loginFailureNotice},
		{"alice", secretGuess, "wrong password", loginFailureNotice},
		{"alice", secretGuess + "2", "wrong password", loginFailureNotice},
		{"alice", alicePassword, "locked", loginLockNotice},
	}
	for _, a := range attempts {
		f.now = f.now.Add(10 * time.Second)
		sealed, err := f.s.sealRequest(f.ws, pending{AuthorizeRequest: f.req, CSRF: raceCSRF})
		if err != nil {
			t.Fatal(err)
		}
		r := f.post("/default/login", url.Values{"csrf_token": {raceCSRF}, "request": {sealed}, "username": {a.username}, "password": {a.password}})
		r.RemoteAddr = "203.0.113.5:4711"
		w := httptest.NewRecorder()
		served.ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), a.notice) {
			t.Fatalf("%s/%s: %d; want the notice %q", a.username, a.reason, w.Code, a.notice)
		}
		line := lastLine(logs.String(), "sign-in failed")
		for _, want := range []string{"username=" + a.username, "address=203.0.113.5", `reason="` + a.reason + `"`} {
			if a.reason == "locked" {
				want = strings.Replace(want, `"locked"`, "locked", 1)
			}
			if !strings.Contains(line, want) {
				t.Fatalf("log line %q lacks %s", line, want)
			}
		}
	}
	if !strings.Contains(logs.String(), "account locked") {
		t.Fatalf("no log of the lock:\n%s", logs.String())
	}
	for _, p := range []string{secretGuess, alicePassword} {
		if strings.Contains(logs.String(), p) {
			t.Fatalf("a password is in the log:\n%s", logs.String())
		}
	}
}

// lastLine is the last line of logs holding msg.
func lastLine(logs, msg string) string {
	var last string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, msg) {
			last = l
		}
	}
	return last
}
