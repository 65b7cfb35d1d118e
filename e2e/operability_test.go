package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCLIRefusesWithoutTheServersStore: only serve and init make a store
// or a master key. Run in a folder without them, every other command
// exits non-zero, names the store it looked for (with the folder) and how
// to point at the server's, and leaves the folder empty; the commands
// that need the master key say how to give it too.
func TestCLIRefusesWithoutTheServersStore(t *testing.T) {
	needKey := [][]string{
		{"client", "create", "--grant-type", "client_credentials", "--scope", "dcr"},
		{"iat", "create"},
		{"iat", "create", "--json"},
		{"admin", "token", "create", "--name", "ci"},
		{"user", "add", "--username", "alice", "--password-stdin"},
		{"keys", "rotate"},
		{"client", "delete", "c1"},
	}
	readOnly := [][]string{
		{"client", "list", "--json"}, {"client", "get", "c1"}, {"iat", "list"}, {"user", "list"},
		{"keys", "list", "--json"}, {"audit", "list"}, {"migrate"},
	}
	for _, args := range append(needKey, readOnly...) {
		dir := t.TempDir()
		out, err := runIn(t, dir, args...)
		for _, want := range []string{"no store at sqlite:registrar.db", filepath.Join(dir, "registrar.db"), "--db", "registrar init"} {
			if err == nil || !strings.Contains(out, want) {
				t.Errorf("%s in an empty folder: %v\n%s\nwant a refusal containing %q", strings.Join(args, " "), err, out, want)
			}
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("%s, refused, created %v", strings.Join(args, " "), names)
		}
	}
	for _, args := range needKey {
		out, _ := runIn(t, t.TempDir(), args...)
		for _, want := range []string{"master key file registrar.key does not exist", "--master-key-file", "REGISTRAR_MASTER_KEY"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s in an empty folder: %s\nwant it to say %q", strings.Join(args, " "), out, want)
			}
		}
	}

	// The server's store, but not its key file: refused, and no key made.
	n := startNode(t, nodeOpts{})
	before := n.clientCount("default")
	out, err := n.cli("client", "create", "--grant-type", "client_credentials", "--scope", "dcr", "--master-key-file", "elsewhere.key")
	if err == nil || !strings.Contains(out, "master key file elsewhere.key does not exist") || !strings.Contains(out, filepath.Join(n.Dir, "elsewhere.key")) {
		t.Errorf("client create without the server's key file: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(n.Dir, "elsewhere.key")); err == nil {
		t.Error("the refused create made a master key file")
	}

	// A key that does not open the store: refused, naming the key used,
	// before anything is made with it.
	other := t.TempDir()
	if out, err := runIn(t, other, "init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	otherKey := filepath.Join(other, "registrar.key")
	for _, args := range [][]string{
		{"client", "create", "--grant-type", "client_credentials", "--scope", "dcr", "--master-key-file", otherKey},
		{"iat", "create", "--master-key-file", otherKey},
		{"keys", "rotate", "--master-key-file", otherKey},
	} {
		out, err := n.cli(args...)
		if err == nil || !strings.Contains(out, "sealed under another master key than the one from key file "+otherKey) {
			t.Errorf("%s with another installation's key: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	envKey := n.with(t)
	envKey.Env = append(append([]string{}, n.Env...), "REGISTRAR_MASTER_KEY="+strings.Repeat("ab", 32))
	if out, err := envKey.cli("iat", "create"); err == nil || !strings.Contains(out, "the one from REGISTRAR_MASTER_KEY") {
		t.Errorf("iat create with another REGISTRAR_MASTER_KEY: %v\n%s", err, out)
	}
	if after := n.clientCount("default"); after != before {
		t.Errorf("clients went from %d to %d through refused creates", before, after)
	}
}

// TestFailedServeLeavesNoKey: a start that cannot open its store leaves
// no master key file behind (one would hide the missing original later).
func TestFailedServeLeavesNoKey(t *testing.T) {
	dir := t.TempDir()
	out, err := runIn(t, dir, "serve", "--db", "sqlite:/nonexistent/x.db", "--listen", "127.0.0.1:0", "--metrics-listen", "off")
	if err == nil {
		t.Fatalf("serve on a store in a missing folder started:\n%s", out)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("the failed start left %v\n%s", names, out)
	}
}

// TestInitThenServe: init writes the documented example configuration, a
// private master key and an empty store, says what to do next, refuses to
// overwrite them, and serve starts on what it made, as the CLI works on it.
func TestInitThenServe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "auth")
	out, err := runIn(t, t.TempDir(), "init", "--dir", dir)
	if err != nil || !strings.Contains(out, "registrar serve --config registrar.yaml") || !strings.Contains(out, "cd "+dir) {
		t.Fatalf("init: %v\n%s", err, out)
	}
	written, _ := os.ReadFile(filepath.Join(dir, "registrar.yaml"))
	documented, _ := os.ReadFile("../docs/registrar.example.yaml")
	if len(written) == 0 || string(written) != string(documented) {
		t.Errorf("init wrote a registrar.yaml that is not docs/registrar.example.yaml")
	}
	if info, err := os.Stat(filepath.Join(dir, "registrar.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("master key file: %v %v", info, err)
	}
	if out, err := runIn(t, dir, "init"); err == nil || !strings.Contains(out, "overwrites nothing") {
		t.Errorf("a second init: %v\n%s", err, out)
	}
	// Before the first start, as scripts do; then the start, on the file.
	if out, err := runIn(t, dir, "iat", "create", "--expires", "2w", "--json"); err != nil {
		t.Fatalf("iat create on the new store: %v\n%s", err, out)
	}
	n := startNode(t, nodeOpts{Dir: dir, Env: []string{"REGISTRAR_CONFIG=registrar.yaml"}})
	id, secret := n.bootstrap()
	n.clientCredentials("default", id, secret, "dcr")
}

// TestLogLines: each request has an access line (method, path, status,
// latency, workspace, client, request id), an error line names the path
// and client, the start names each workspace's issuer and registration
// mode, and the stop says how long the drain took. log_access: false
// turns the access lines off.
func TestLogLines(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: shop\n    registration:\n      mode: open\n"})
	id, secret := n.bootstrap()
	n.clientCredentials("default", id, secret, "dcr")
	bad := postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(id, "wrong"))
	if bad.Status != 401 {
		t.Fatalf("token with a wrong secret: %d", bad.Status)
	}
	requestID := bad.Header.Get("X-Request-Id")
	for _, probe := range []string{"/healthz", "/readyz"} {
		if r := get(t, n.Base+probe); r.Status != 200 {
			t.Fatalf("GET %s: %d", probe, r.Status)
		}
	}
	n.stop()
	logs := n.Stderr.String()
	// A supervisor's probes (Docker asks /readyz every 15 s) stay out of
	// the info log, and are there at debug.
	probeLine := regexp.MustCompile(`level=(\w+) msg=request .*path=/(healthz|readyz) `)
	if m := probeLine.FindStringSubmatch(logs); m != nil {
		t.Errorf("a passing probe was logged at %s: %s", m[1], m[0])
	}
	debug := startNode(t, nodeOpts{YAML: "log_level: debug\n"})
	get(t, debug.Base+"/readyz")
	debug.stop()
	if m := probeLine.FindStringSubmatch(debug.Stderr.String()); m == nil || m[1] != "DEBUG" {
		t.Errorf("log_level: debug logs no probe at DEBUG: %v", m)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg=workspace name=default issuer=` + regexp.QuoteMeta(n.Base) + `/default registration=initial_access_token`),
		regexp.MustCompile(`msg=workspace name=shop issuer=` + regexp.QuoteMeta(n.Base) + `/shop registration=open`),
		regexp.MustCompile(`msg=request request_id=\S+ method=POST path=/default/oauth2/token status=200 latency=\S+ workspace=default client_id=` + id),
		regexp.MustCompile(`msg=request request_id=` + requestID + ` method=POST path=/default/oauth2/token status=401 latency=\S+ workspace=default client_id=` + id),
		regexp.MustCompile(`msg=.* request_id=` + requestID + ` error=invalid_client status=401 path=/default/oauth2/token client_id=` + id),
		regexp.MustCompile(`msg=stopped drain=\S+`),
	} {
		if !want.MatchString(logs) {
			t.Errorf("no log line matching %s in:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, secret) {
		t.Error("a client secret reached the log")
	}

	quiet := startNode(t, nodeOpts{YAML: "log_access: false\n"})
	get(t, quiet.Base+"/default/.well-known/openid-configuration")
	quiet.stop()
	if strings.Contains(quiet.Stderr.String(), "msg=request ") {
		t.Errorf("log_access: false still logs requests:\n%s", quiet.Stderr)
	}
}

// TestRootNamesTheIssuers: the root and discovery without a workspace,
// where a newcomer looks first, answer 404 naming every issuer.
func TestRootNamesTheIssuers(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: shop\n"})
	// The listening line names every issuer, not the default one alone.
	if want := "(issuers " + n.Base + "/default, " + n.Base + "/shop)"; !strings.Contains(n.Stdout.String(), want) {
		t.Errorf("the start's standard output does not say %q:\n%s", want, n.Stdout)
	}
	for _, path := range []string{"/", "/.well-known/openid-configuration"} {
		resp := get(t, n.Base+path)
		desc, _ := resp.JSON(t)["error_description"].(string)
		if resp.Status != 404 || !strings.Contains(desc, n.Base+"/default") || !strings.Contains(desc, n.Base+"/shop") {
			t.Errorf("GET %s: %d %s", path, resp.Status, resp.Body)
		}
	}
	if resp := get(t, n.Base+"/nowhere/else"); resp.Status != 404 || strings.Contains(string(resp.Body), "/shop") {
		t.Errorf("an unknown path deeper down: %d %s", resp.Status, resp.Body)
	}
}

// TestFlagMistakes: a mistyped flag is answered with the command's usage
// line and the flag meant; lifetimes take days and weeks.
func TestFlagMistakes(t *testing.T) {
	out, err := runIn(t, t.TempDir(), "iat", "create", "--exipres", "2w")
	for _, want := range []string{"unknown flag: --exipres", "did you mean --expires?", "usage: registrar iat create [flags]"} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("iat create --exipres: %v\n%s\nwant %q", err, out, want)
		}
	}
	if out, _ := runIn(t, t.TempDir(), "serve", "--zzzz"); strings.Contains(out, "did you mean") || !strings.Contains(out, "usage: registrar serve") {
		t.Errorf("serve --zzzz suggests a flag nothing like it, or no usage:\n%s", out)
	}

	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: w\n    access_token_ttl: 1d\n"})
	var iat struct {
		Created time.Time `json:"created_at"`
		Expires time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(n.mustCLI("iat", "create", "--expires", "2w", "--json")), &iat); err != nil {
		t.Fatal(err)
	}
	if got := iat.Expires.Sub(iat.Created); got != 14*24*time.Hour {
		t.Errorf("iat create --expires 2w: lifetime %v", got)
	}
	id, secret := n.createClient("w", "--grant-type", "client_credentials", "--scope", "openid")
	if tok := n.clientCredentials("w", id, secret, "openid"); tok["expires_in"] != float64(86400) {
		t.Errorf("access_token_ttl: 1d gave expires_in %v", tok["expires_in"])
	}
}

// TestConfigErrorsAtOnce: serve reports an unknown key, a value of the
// wrong type and a value out of range together, each on its line.
func TestConfigErrorsAtOnce(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "registrar.yaml"), []byte("lisen: 127.0.0.1:0\nkey_refresh: [1]\nlog_level: loud\n"), 0o600)
	out, err := runIn(t, dir, "serve", "--config", "registrar.yaml")
	for _, want := range []string{"line 1: lisen: unknown setting", "line 2: key_refresh", `line 3: log_level: "loud"`} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("serve with three problems: %v\n%s\nwant %q", err, out, want)
		}
	}
}

// verdictTB records what requireCI decided instead of ending the test.
type verdictTB struct {
	testing.TB
	verdict string
}

func (v *verdictTB) Helper() {}
func (v *verdictTB) Skipf(string, ...any) {
	v.verdict = "skip"
	panic(v)
}
func (v *verdictTB) Fatalf(string, ...any) {
	v.verdict = "fail"
	panic(v)
}

// requireVerdict runs requireCI and says whether it passed, skipped or
// failed the test.
func requireVerdict(t *testing.T, ok bool, what string) (verdict string) {
	v := &verdictTB{TB: t, verdict: "pass"}
	defer func() {
		if r := recover(); r != nil && r != v {
			panic(r)
		}
		verdict = v.verdict
	}()
	requireCI(v, ok, what)
	return
}

// TestStrictExceptWhatIsMissing: under make test a missing prerequisite
// fails its test, except one the script could not provide: a Node older
// than 20 skips the JavaScript client tests (even with node_modules left
// by an earlier run) and leaves chromium, curl, jq and PostgreSQL strict.
func TestStrictExceptWhatIsMissing(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("REGISTRAR_TEST_STRICT", "1")
	t.Setenv("REGISTRAR_TEST_MISSING", "node")
	node := "node (Node.js 20 and e2e/js/node_modules from npm ci)"
	for _, c := range []struct {
		ok         bool
		what, want string
	}{
		{true, node, "skip"},
		{false, node, "skip"},
		{false, "chromium", "fail"},
		{false, "jq", "fail"},
		{false, "REGISTRAR_TEST_POSTGRES_DSN", "fail"},
		{true, "chromium", "pass"},
		{false, "nodejs-something", "fail"},
	} {
		if got := requireVerdict(t, c.ok, c.what); got != c.want {
			t.Errorf("requireCI(ok=%v, %q) with REGISTRAR_TEST_MISSING=node: %s, want %s", c.ok, c.what, got, c.want)
		}
	}
	t.Setenv("REGISTRAR_TEST_MISSING", "")
	if got := requireVerdict(t, false, node); got != "fail" {
		t.Errorf("a missing node_modules under make test with Node provided: %s, want fail", got)
	}
}

// TestUnknownSubcommands: a word that is none of a group's subcommands is
// an error (it used to print the group's help and exit 0), with the
// subcommand meant; the group alone still prints its help.
func TestUnknownSubcommands(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"client", "lst"}, `unknown command "lst" for "registrar client"; did you mean get or list?`},
		{[]string{"policy", "tset"}, `unknown command "tset" for "registrar policy"; did you mean test?`},
		{[]string{"policy", "list"}, `unknown command "list" for "registrar policy"`},
		{[]string{"iat", "craete"}, `did you mean create?`},
		{[]string{"admin", "token", "lst"}, `unknown command "lst" for "registrar admin token"`},
		{[]string{"dev", "kegen"}, `did you mean keygen?`},
		{[]string{"keys", "zzzzzz"}, `run 'registrar keys --help' for its commands`},
	} {
		dir := t.TempDir()
		out, err := runIn(t, dir, c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("registrar %s: %v\n%s\nwant an error saying %q", strings.Join(c.args, " "), err, out, c.want)
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("registrar %s created %v", strings.Join(c.args, " "), names)
		}
	}
	if out, err := runIn(t, t.TempDir(), "client"); err != nil || !strings.Contains(out, "Available Commands:") {
		t.Errorf("registrar client alone: %v\n%s", err, out)
	}
}
