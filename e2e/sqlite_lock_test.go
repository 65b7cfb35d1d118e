package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestSQLiteLockedByAnotherProcess: while another process holds the write
// lock (a backup, a sqlite3 shell), a write answers 503 within the request
// budget and changes nothing; a client that hangs up meanwhile is counted
// as 499, never as our 500; and all is well once the lock is released.
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	tok := n.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	revoke := func(client *http.Client) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, n.Base+"/default/oauth2/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		return client.Do(req)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(n.Dir, "registrar.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}

	if _, err := revoke(&http.Client{Timeout: time.Second}); err == nil {
		t.Fatal("a revocation answered while another process held the write lock")
	}
	start := time.Now()
	r, err := revoke(&http.Client{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
		t.Errorf("revocation while the file is locked: %d; want 503 with Retry-After", r.StatusCode)
	}
	if waited := time.Since(start); waited > 15*time.Second {
		t.Errorf("the 503 took %v; the request budget is 10s", waited)
	}

	if _, err := lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	if in := n.introspect("default", id, secret, tok); in["active"] != true {
		t.Fatalf("a revocation that answered 503 revoked the token: %v", in)
	}
	if r, err := revoke(&http.Client{Timeout: 30 * time.Second}); err != nil || r.StatusCode != 200 {
		t.Fatalf("revocation after the lock was released: %v %v", r, err)
	}
	if in := n.introspect("default", id, secret, tok); in["active"] != false {
		t.Fatalf("revoked token still active: %v", in)
	}

	metrics := n.metrics()
	if !strings.Contains(metrics, `registrar_http_requests_total{code="499",route="POST /{ws}/oauth2/revoke"} 1`) {
		t.Errorf("the client that hung up is not counted as 499:\n%s", grepLines(metrics, "registrar_http_requests_total"))
	}
	if strings.Contains(metrics, `code="500"`) || strings.Contains(n.Stderr.String(), "status=500") {
		t.Errorf("a locked database or a client hanging up was reported as our 500:\n%s", n.Stderr)
	}
	// An outage is a warning per request, not an error: errors are bugs.
	if strings.Contains(n.Stderr.String(), "level=ERROR") {
		t.Errorf("the outage was logged at ERROR:\n%s", n.Stderr)
	}
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
