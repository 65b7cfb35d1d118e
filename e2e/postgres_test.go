package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/registrar-dev/registrar/internal/store/postgres"
)

// freshSchema returns dsn pointed at a new empty schema, dropped at cleanup.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	schemaDSN, drop, err := postgres.TempSchema(context.Background(), dsn, "e2e_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drop(context.Background()) })
	return schemaDSN
}

// postgresNodes starts two nodes with yaml over a fresh schema of
// REGISTRAR_TEST_POSTGRES_DSN. Nodes behind one load balancer share the
// master key and the public issuer URL; clients here talk to each node
// directly.
func postgresNodes(t *testing.T, yaml string) (a, b *node) {
	t.Helper()
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	db := freshSchema(t, dsn)
	env := []string{masterKeyEnv(), "REGISTRAR_BASE_URL=https://id.example.test"}
	return startNode(t, nodeOpts{DB: db, Env: env, YAML: yaml}), startNode(t, nodeOpts{DB: db, Env: env, YAML: yaml})
}

func masterKeyEnv() string {
	k := make([]byte, 32)
	rand.Read(k)
	return "REGISTRAR_MASTER_KEY=" + base64.StdEncoding.EncodeToString(k)
}

// TestNodesShareStateThroughPostgres: two nodes over one database agree on
// revocation of JWT and opaque tokens and on single-use initial access
// tokens.
func TestNodesShareStateThroughPostgres(t *testing.T) {
	a, b := postgresNodes(t, opaqueYAML)
	id, secret := a.bootstrap()
	if bootIDRE.MatchString(b.Stdout.String()) {
		t.Fatal("the second node printed another bootstrap client")
	}
	checkRevocationAcrossNodes(t, a, b, cred{"default", id, secret}, "dcr")
	op := cred{ws: "opaque"}
	op.id, op.secret = b.createClient("opaque", "--grant-type", "client_credentials", "--scope", "profile")
	checkRevocationAcrossNodes(t, b, a, op, "profile")

	// One dcr token, sent to both nodes at once: exactly one registration.
	dcr := a.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(n *node) {
			defer wg.Done()
			r := post(t, n.Base+"/default/oauth2/register", "application/json", `{"grant_types":["client_credentials"]}`, "Authorization", "Bearer "+dcr)
			statuses <- r.Status
		}([]*node{a, b}[i%2])
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[201] != 1 || counts[401] != 9 {
		t.Fatalf("concurrent uses of one initial access token across nodes: %v; want one 201 and nine 401", counts)
	}
}

// privateCluster starts a PostgreSQL of the test's own, so it can be
// stopped and started again.
type privateCluster struct {
	bin, dir string
	port     int
}

// clusterCommand runs a PostgreSQL program as the cluster's owner: as
// postgres when the tests run as root (initdb and postgres refuse root),
// as the current user otherwise (scripts/test.sh does the same).
func clusterCommand(program string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", program}, args...)...)
	}
	return exec.Command(program, args...)
}

func (c *privateCluster) ctl(t *testing.T, args ...string) {
	t.Helper()
	cmd := clusterCommand(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", filepath.Join(c.dir, "data")}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %v: %v\n%s", args, err, out)
	}
}

// startPrivateCluster starts one with the binaries in REGISTRAR_TEST_PG_BIN
// (make test sets it; requireCI says what happens without it).
func startPrivateCluster(t *testing.T) *privateCluster {
	t.Helper()
	bin := os.Getenv("REGISTRAR_TEST_PG_BIN")
	requireCI(t, bin != "", "REGISTRAR_TEST_PG_BIN")
	// Not t.TempDir(): as root, its parent is private to root and initdb
	// runs as postgres.
	dir, err := os.MkdirTemp("", "registrar-pg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Getuid() == 0 {
		exec.Command("chown", "postgres", dir).Run()
	}
	c := &privateCluster{bin: bin, dir: dir, port: freePort(t)}
	if out, err := clusterCommand(filepath.Join(bin, "initdb"), "-D", filepath.Join(c.dir, "data"), "-A", "trust", "-U", "postgres").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start(t)
	t.Cleanup(func() {
		clusterCommand(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "stop").Run()
	})
	return c
}

func (c *privateCluster) start(t *testing.T) {
	c.ctl(t, "-l", filepath.Join(c.dir, "log"), "-w", "-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir), "start")
}

// dsn is the cluster's DSN. A connection gives up after connectTimeout
// seconds where the cluster does not answer; 0 waits for as long as the
// caller's context lets it (libpq's meaning, which pgx follows).
func (c *privateCluster) dsn(connectTimeout int) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=%d", c.port, connectTimeout)
}

// nodeOnPrivateCluster starts a node on a PostgreSQL of the test's own and
// returns its bootstrap client and a token of it.
func nodeOnPrivateCluster(t *testing.T) (c *privateCluster, n *node, id, secret, tok string) {
	t.Helper()
	c = startPrivateCluster(t)
	n = startNode(t, nodeOpts{DB: c.dsn(2)})
	id, secret = n.bootstrap()
	tok = n.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
	return c, n, id, secret, tok
}

// TestDatabaseOutage: while the database is down the node answers 503 with
// a JSON error, and it recovers by itself when the database returns.
func TestDatabaseOutage(t *testing.T) {
	c, n, id, secret, tok := nodeOnPrivateCluster(t)
	auth := []string{"Authorization", basicAuth(id, secret)}

	c.ctl(t, "-m", "fast", "-w", "stop")
	// Introspection and revocation must not guess: {"active":false} would
	// wrongly reject a live token, and a 200 from revoke would tell the
	// client a token is dead while it still works after the database is back.
	for name, r := range map[string]response{
		"readyz":     get(t, n.Base+"/readyz"),
		"token":      postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, auth...),
		"introspect": postForm(t, n.Base+"/default/oauth2/introspect", url.Values{"token": {tok}}, auth...),
		"revoke":     postForm(t, n.Base+"/default/oauth2/revoke", url.Values{"token": {tok}}, auth...),
	} {
		if r.Status != 503 || r.JSON(t)["error"] == nil || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s with the database down: %d %s; want 503 JSON with Retry-After", name, r.Status, r.Body)
		}
	}
	if r := get(t, n.Base+"/healthz"); r.Status != 200 {
		t.Errorf("healthz with the database down: %d; the process itself is alive", r.Status)
	}

	c.start(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(id, secret))
		if r.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database returned: %d %s", r.Status, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := get(t, n.Base+"/readyz"); r.Status != 200 {
		t.Fatalf("readyz after recovery: %d", r.Status)
	}
	if in := n.introspect("default", id, secret, tok); in["active"] != true {
		t.Fatalf("the token issued before the outage: %v; a refused revocation must not have revoked it", in)
	}
}

// freeze stops (SIGSTOP) every process of the cluster: the database then
// hangs instead of refusing, as a frozen host or a lost network path does.
// It is thawed at cleanup, before the cluster is stopped.
func (c *privateCluster) freeze(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster := strings.SplitN(string(raw), "\n", 2)[0]
	children, _ := exec.Command("pgrep", "-P", postmaster).Output()
	pids := append([]string{postmaster}, strings.Fields(string(children))...)
	signal := func(sig string) {
		if out, err := exec.Command("kill", append([]string{"-" + sig}, pids...)...).CombinedOutput(); err != nil {
			t.Logf("kill -%s %v: %v %s", sig, pids, err, out)
		}
	}
	signal("STOP")
	t.Cleanup(func() { signal("CONT") })
}

// TestDatabaseHangs: a database that stops answering (rather than
// refusing) costs a request its budget and then a 503, never a hang; and
// SIGTERM still drains and exits 0 while a request waits on it.
func TestDatabaseHangs(t *testing.T) {
	c, n, id, secret, tok := nodeOnPrivateCluster(t)
	auth := []string{"Authorization", basicAuth(id, secret)}

	c.freeze(t)
	start := time.Now()
	r := postForm(t, n.Base+"/default/oauth2/introspect", url.Values{"token": {tok}}, auth...)
	if r.Status != 503 || r.JSON(t)["error"] != "temporarily_unavailable" || r.Header.Get("Retry-After") == "" {
		t.Errorf("introspection with the database frozen: %d %s; want 503 temporarily_unavailable", r.Status, r.Body)
	}
	if waited := time.Since(start); waited > 15*time.Second {
		t.Errorf("the 503 took %v; the request budget is 10s", waited)
	}

	// A plain client: a helper's t.Fatal must not run off the test's goroutine.
	type outcome struct {
		status int
		err    error
	}
	inFlight := make(chan outcome, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, n.Base+"/default/oauth2/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(auth[0], auth[1])
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			inFlight <- outcome{err: err}
			return
		}
		resp.Body.Close()
		inFlight <- outcome{status: resp.StatusCode}
	}()
	time.Sleep(time.Second) // the request reaches the frozen database first
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n.waitExit(40 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM with the database frozen: %v\nstderr:\n%s", err, n.Stderr)
	}
	select {
	case o := <-inFlight:
		if o.err != nil || o.status != 503 {
			t.Errorf("the request in flight at SIGTERM: %d %v; want 503", o.status, o.err)
		}
	case <-time.After(40 * time.Second):
		t.Error("the request in flight at SIGTERM never ended")
	}
}

// TestStartWarnsWhileTheDatabaseHangs: serve started on a database that
// hangs (rather than refuses) warns on its log, after 5 s, that it is
// still waiting for it instead of staying silent; and SIGTERM still stops
// it at once, without serving.
func TestStartWarnsWhileTheDatabaseHangs(t *testing.T) {
	c := startPrivateCluster(t)
	c.freeze(t)
	start := time.Now()
	n := launchNode(t, nodeOpts{DB: c.dsn(0)}) // no connect_timeout: the start waits as long as the database hangs
	if m, _ := n.awaitOutput(n.Stderr, regexp.MustCompile("still waiting for the database"), 10*time.Second); m == nil {
		t.Fatalf("no warning within 10s that the start waits for the database\nstderr:\n%s", n.Stderr)
	}
	if waited := time.Since(start); waited < 5*time.Second {
		t.Errorf("warned after %v; serve should wait 5s, so that a start merely slow is not reported", waited)
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// A stop asked for is a stop (exit 0), not a failed start that a
	// service manager would report.
	if err := n.waitExit(5 * time.Second); err != nil {
		t.Errorf("exit on SIGTERM while waiting for the database: %v; want 0\nstderr:\n%s", err, n.Stderr)
	}
	if listeningRE.MatchString(n.Stdout.String()) {
		t.Errorf("serving on a database that never answered:\n%s", n.Stdout)
	}
}

// TestStartWaitsForTheDatabase: a server started before its database (as
// a container platform starts both) keeps trying, says so, and comes up
// when the database does, instead of failing its start.
func TestStartWaitsForTheDatabase(t *testing.T) {
	c := startPrivateCluster(t)
	c.ctl(t, "-m", "fast", "-w", "stop")
	n := launchNode(t, nodeOpts{DB: c.dsn(2)})
	if m, exited := n.awaitOutput(n.Stderr, regexp.MustCompile("database unreachable; trying again"), 10*time.Second); m == nil {
		t.Fatalf("no retry while the database is down (exited: %v)\nstderr:\n%s", exited, n.Stderr)
	}
	time.Sleep(time.Second) // a second attempt, still refused
	c.start(t)
	n.waitReady()
	id, secret := n.bootstrap()
	if tok := n.clientCredentials("default", id, secret, "dcr"); tok["access_token"] == nil {
		t.Fatalf("no token once the database came: %v", tok)
	}
}

// TestStartKeepsItsFirstConnection: the connection on which serve finds
// the database answering is the store's own first one, not one opened to
// ask and closed: the start makes no connection it throws away. A proxy
// between the node and PostgreSQL counts the connections.
func TestStartKeepsItsFirstConnection(t *testing.T) {
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	u, err := url.Parse(freshSchema(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	p := startConnProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	n := launchNode(t, nodeOpts{DB: u.String()})
	n.waitReady()
	opened, closed := p.opened.Load(), p.closed.Load()
	if opened == 0 {
		t.Fatal("the node did not connect through the proxy")
	}
	if closed != 0 {
		t.Errorf("start opened %d connections and closed %d of them; want every one kept for the store", opened, closed)
	}
}

// connProxy forwards TCP connections to a target, counting those opened
// and those their client closed.
type connProxy struct {
	ln             net.Listener
	opened, closed atomic.Int64
}

func startConnProxy(t *testing.T, target string) *connProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			p.opened.Add(1)
			go p.forward(client, target)
		}
	}()
	return p
}

func (p *connProxy) forward(client net.Conn, target string) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go io.Copy(client, server)
	io.Copy(server, client) // returns once the client closes
	p.closed.Add(1)
}
