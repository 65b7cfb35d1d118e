package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUserUnlock: login.max_failures consecutive failures lock an account,
// which then refuses even its right password, saying it is locked, until
// `registrar user unlock` lifts the lock. Each failure is logged with its
// reason, never with the password.
func TestUserUnlock(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    login:\n      max_failures: 3\n      lockout: 86400\n")
	a := newAgent(t)
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	for i := 0; i < 3; i++ {
		p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {fmt.Sprint("guess-", i, "-xyzzy")}})
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, wrongCredentials) {
			t.Fatalf("wrong password %d: %d; want the failed sign-in page", i+1, p.Status)
		}
	}
	p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}})
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "locked") {
		t.Fatalf("the right password after 3 failures: %d; want the locked page", p.Status)
	}

	if out, err := f.n.cli("user", "unlock", "--username", "nobody"); err == nil || !strings.Contains(out, `no user "nobody"`) {
		t.Fatalf("unlock of a user who is not there: %v\n%s", err, out)
	}
	if out := f.n.mustCLI("user", "unlock", "--username", "carol"); !strings.Contains(out, "unlocked user carol (locked after 3 consecutive failed sign-ins") {
		t.Fatalf("unlock said:\n%s", out)
	}
	p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="allow"`) {
		t.Fatalf("the right password after the unlock: %d; want the consent page", p.Status)
	}
	if out := f.n.mustCLI("user", "unlock", "carol"); !strings.Contains(out, "was not locked") {
		t.Fatalf("unlock of an unlocked user said:\n%s", out)
	}

	logs := f.n.Stdout.String() + f.n.Stderr.String()
	if strings.Count(logs, `msg="sign-in failed"`) != 4 || !strings.Contains(logs, `reason="wrong password"`) ||
		!strings.Contains(logs, "reason=locked") || !strings.Contains(logs, "address=127.0.0.1") {
		t.Fatalf("failed sign-ins not logged with their reasons and address:\n%s", logs)
	}
	if strings.Contains(logs, "xyzzy") || strings.Contains(logs, "correct horse") {
		t.Fatalf("a password is in the log:\n%s", logs)
	}
}

// TestAdminUnlocksUser: the admin API lifts a sign-in lock as the CLI
// does, says what the lock was, and the owner signs in at once.
func TestAdminUnlocksUser(t *testing.T) {
	f := newFlowFixtureOn(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    login:\n      max_failures: 3\n      lockout: 86400\n",
		Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}})
	api := adminAPI{f.n, envAdminToken}
	a := newAgent(t)
	p := a.do(http.MethodGet, f.authorizeURL(nil), nil)
	for i := 0; i < 3; i++ {
		p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {fmt.Sprint("guess-", i, "-xyzzy")}})
	}
	if p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("the right password after 3 failures: %d; want the locked page", p.Status)
	}
	users := api.ok(200, "GET", "/workspaces/default/users", "")
	carol := ids(users)[0]
	got := api.ok(200, "POST", "/workspaces/default/users/"+carol+"/unlock", "")
	if got["was_locked"] != true || got["consecutive_failures"] != float64(3) || got["locked_until"] == nil || got["username"] != "carol" {
		t.Fatalf("unlock answered %v; want carol's lock after 3 failures", got)
	}
	p = a.submit(f.n.Base, p, url.Values{"username": {"carol"}, "password": {"correct horse battery"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="allow"`) {
		t.Fatalf("the right password after the unlock: %d; want the consent page", p.Status)
	}
	if again := api.ok(200, "POST", "/workspaces/default/users/"+carol+"/unlock", ""); again["was_locked"] != false {
		t.Fatalf("a second unlock answered %v; want was_locked false", again)
	}
	wantError(t, api.call("POST", "/workspaces/default/users/no-such-user/unlock", ""), 404, "not_found")
	// One event, the admin's, for the unlock that lifted a lock; none for
	// the one that found nothing on record.
	events, _ := api.ok(200, "GET", "/workspaces/default/audit?type=admin.user.unlock", "")["items"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["credential"] != "admin:env" {
		t.Fatalf("admin.user.unlock events %v; want one, by admin:env", events)
	}
}
