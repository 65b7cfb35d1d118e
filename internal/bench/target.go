package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
	"github.com/registrar-dev/registrar/internal/store/postgres"
)

// target is the registrar process under test, started by the bench itself
// in a temporary directory with its own store.
type target struct {
	binary, dir, db, base string
	// metrics is the server's /metrics URL, read for its store activity.
	metrics string
	cmd     *exec.Cmd
	// exited is closed when the process of the last start has exited.
	exited chan struct{}
	stderr bytes.Buffer
	// args are the serve flags of the last start, which restart reuses.
	args []string
	// probe asks /readyz: http.DefaultClient unless set (a TLS server
	// needs one that trusts its CA).
	probe *http.Client
	// moreEnv is added to the environment of every command: the shared
	// base URL of several nodes.
	moreEnv []string
	// borrowsDir: dir is another node's, which removes it.
	borrowsDir bool
}

// benchConfig declares the workspaces the workloads use. The load comes from one address, so the registration rate limits (and
// the audit sampling they back) are off: they would measure the 429 path.
const benchConfig = `key_refresh: 5s
registration_rate_limit: {per_address: 0, per_token: 0}
audit: {denials_per_minute: 0}
workspaces:
  - name: opaque
    access_token_format: opaque
  - name: rotating
    registration:
      enabled: true
      mode: initial_access_token
      scope: dcr
      registration_token_ttl: 86400
      rotate_registration_token: on_read_and_update
      grant_types: [client_credentials]
      response_types: [code]
      auth_methods: [client_secret_basic]
  - name: policies
    registration:
      templates_only: true
      templates:
        - name: bench
          client:
            grant_types: [client_credentials]
            scope: profile
            token_endpoint_auth_method: client_secret_basic
          open_fields: [client_name]
      policies:
        - name: short-name
          rule: "request.client_name.size() <= 100"
          message: "client_name: at most 100 characters"
        - name: no-implicit
          rule: "!('implicit' in request.grant_types)"
          message: "no implicit grant"
        - name: known-scopes
          when: "has(request.scope)"
          rule: "request.scope.split(' ').all(s, s in workspace.scopes)"
          message: "scopes of this workspace only"
        - name: operator-token
          rule: "token.kind == 'initial_access_token' && token.exp > int(now)"
          message: "an operator's token"
        - name: https-redirects
          when: "'authorization_code' in request.grant_types"
          rule: "request.redirect_uris.all(u, u.startsWith('https://'))"
          message: "https redirect URIs"
`

// newTarget prepares a server run with benchConfig plus the workspaces in
// moreWorkspaces (YAML list items).
func newTarget(binary, db, moreWorkspaces string) (*target, error) {
	dir, err := os.MkdirTemp("", "registrar-bench")
	if err != nil {
		return nil, err
	}
	if db == "" {
		db = "sqlite:" + filepath.Join(dir, "registrar.db")
	}
	// The clients and tokens are made before the server starts, and the
	// CLI makes no store or master key of its own: init makes them.
	if out, err := exec.Command(binary, "init", "--dir", dir).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("registrar init: %v: %s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "registrar.yaml"), []byte(benchConfig+moreWorkspaces), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &target{binary: binary, dir: dir, db: db}, nil
}

// benchSchemaPrefix starts the name of the schema a bench run works in on
// a PostgreSQL database.
const benchSchemaPrefix = "registrar_bench_"

// ownSchema gives a run on PostgreSQL a new schema of its own in the
// database dsn names, and drop removes it. Each run makes a new master
// key, which cannot open what an earlier run sealed: sharing tables with
// one would fail, and would mix the bench's rows into a store in use.
// A SQLite dsn comes back unchanged: the bench's files are its own.
func ownSchema(ctx context.Context, dsn string) (db string, drop func(), err error) {
	if !backend.IsPostgres(dsn) {
		return dsn, func() {}, nil
	}
	db, dropSchema, err := postgres.TempSchema(ctx, dsn, benchSchemaPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("--db: the bench works in a schema of its own, which it could not make: %w", err)
	}
	return db, func() {
		// Also after Ctrl-C, which cancelled ctx.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := dropSchema(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "bench: could not drop its schema (search_path in %s): %v\n", store.RedactDSN(db), err)
		}
	}, nil
}

func (t *target) env() []string {
	env := append(os.Environ(), "REGISTRAR_CONFIG="+filepath.Join(t.dir, "registrar.yaml"),
		"REGISTRAR_MASTER_KEY_FILE="+filepath.Join(t.dir, "registrar.key"), "REGISTRAR_DB="+t.db, "REGISTRAR_LOG_LEVEL=warn")
	return append(env, t.moreEnv...)
}

// cliJSON runs a registrar subcommand and decodes its JSON output.
func (t *target) cliJSON(out any, args ...string) error {
	cmd := exec.Command(t.binary, args...)
	cmd.Dir, cmd.Env = t.dir, t.env()
	raw, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("registrar %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return err
	}
	return json.Unmarshal(raw, out)
}

// credentials are a client's id and secret.
type credentials struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`
}

func (c credentials) basic() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret)))
}

func (t *target) createClient(ws string) (credentials, error) {
	var c credentials
	err := t.cliJSON(&c, "client", "create", "--workspace", ws, "--grant-type", "client_credentials", "--scope", "dcr", "--json")
	return c, err
}

func (t *target) createIAT(ws string) (string, error) {
	var v struct{ Token string }
	err := t.cliJSON(&v, "iat", "create", "--workspace", ws, "--uses", "0", "--expires", "2h", "--json")
	return v.Token, err
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs `registrar serve` with args and waits for /readyz; with
// --tls-cert among args the server is reached over https.
func (t *target) start(args ...string) error {
	t.args = args
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	t.base = "http://" + addr
	if slices.Contains(args, "--tls-cert") {
		t.base = "https://" + addr
	}
	probe := t.probe
	if probe == nil {
		probe = http.DefaultClient
	}
	metricsAddr, err := freeAddr()
	if err != nil {
		return err
	}
	t.metrics = "http://" + metricsAddr + "/metrics"
	t.cmd = exec.Command(t.binary, append([]string{"serve", "--listen", addr, "--metrics-listen", metricsAddr}, args...)...)
	t.cmd.Dir, t.cmd.Env = t.dir, t.env()
	t.cmd.Stdout, t.cmd.Stderr = io.Discard, &t.stderr
	if err := t.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	t.exited = exited
	go func(cmd *exec.Cmd) { cmd.Wait(); close(exited) }(t.cmd)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited: // a server that cannot start says why at once
			t.stop()
			return fmt.Errorf("registrar exited before it was ready: %s", t.stderr.String())
		default:
		}
		if resp, err := probe.Get(t.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.stop()
	return fmt.Errorf("registrar did not become ready: %s", t.stderr.String())
}

// restart stops the server and starts it again on the same store, and
// returns how long the new process took from its start to its first
// ready answer: the store then exists, holds what the workloads wrote,
// and is migrated, as on a node that restarts.
func (t *target) restart() (time.Duration, error) {
	t.terminate()
	began := time.Now()
	if err := t.start(t.args...); err != nil {
		return 0, err
	}
	return time.Since(began), nil
}

// terminate ends the server: SIGTERM, then kill.
func (t *target) terminate() {
	if t.cmd == nil || t.cmd.Process == nil {
		return
	}
	t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.exited:
	case <-time.After(10 * time.Second):
		t.cmd.Process.Kill()
		<-t.exited
	}
}

// stop ends the server (SIGTERM, then kill) and removes its files.
func (t *target) stop() {
	t.terminate()
	if !t.borrowsDir {
		os.RemoveAll(t.dir)
	}
}

// memory reads the server's peak and current resident set (MiB).
func (t *target) memory() (peak, current float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", t.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			peak = kb / 1024
		case "VmRSS:":
			current = kb / 1024
		}
	}
	return peak, current
}

// cpuTime is the CPU time (user and system) the server has used so far,
// from /proc in clock ticks (USER_HZ, 100 on Linux); 0 where unreadable.
func (t *target) cpuTime() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis; utime and stime are the 14th and
	// 15th fields of the line.
	rest := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(rest) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(rest[11], 10, 64)
	stime, _ := strconv.ParseInt(rest[12], 10, 64)
	const userHZ = 100
	return time.Duration(utime+stime) * time.Second / userHZ
}

// send performs one request and checks the status; it returns the body.
func send(ctx context.Context, c *http.Client, method, u, contentType, body, auth string, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return out, fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, out)
	}
	return out, nil
}
