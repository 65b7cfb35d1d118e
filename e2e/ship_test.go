package e2e

import (
	"bufio"
	"bytes"
	"database/sql"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestVersion: `registrar version` and `--version` print what the Go
// toolchain recorded in the binary (`go version -m` reads the same build
// information), so a released binary says which commit it is.
func TestVersion(t *testing.T) {
	dir := t.TempDir()
	want := recordedBuild(t, binary)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := runIn(t, dir, args...)
		if err != nil {
			t.Fatalf("registrar %s: %v %s", args[0], err, out)
		}
		if !strings.HasPrefix(out, "registrar "+want.version) {
			t.Errorf("registrar %s printed %q; want it to start with %q", args[0], out, "registrar "+want.version)
		}
		if want.revision != "" && !strings.Contains(out, want.revision) {
			t.Errorf("registrar %s printed %q; want the commit %s", args[0], out, want.revision)
		}
		if strings.Contains(out, "(devel)") {
			t.Errorf("registrar %s printed Go's placeholder (devel): %q", args[0], out)
		}
	}
	assertEmptyDir(t, dir)
}

// buildInfo is what `go version -m` shows of a binary.
type buildInfo struct{ version, revision string }

func recordedBuild(t *testing.T, bin string) buildInfo {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var info buildInfo
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			info.version = strings.Trim(f[2], "()")
		case len(f) >= 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			info.revision = strings.TrimPrefix(f[1], "vcs.revision=")
		}
	}
	if info.version == "" {
		t.Fatalf("go version -m printed no module version:\n%s", out)
	}
	return info
}

// assertEmptyDir fails when a command left a file behind (a store or a
// master key made by a command that only reads).
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("%s holds %v; the command should have made nothing", dir, names)
	}
}

// TestBackupRefusals: backup only reads, so from the wrong folder it
// creates neither a store nor a key; it never overwrites a file; and a
// PostgreSQL store is pointed to pg_dump.
func TestBackupRefusals(t *testing.T) {
	empty := t.TempDir()
	out, err := runIn(t, empty, "backup", "--to", "copy.db")
	if err == nil || !strings.Contains(out, "no store at sqlite:registrar.db") {
		t.Fatalf("backup without a store: %v %q; want a refusal naming the store", err, out)
	}
	assertEmptyDir(t, empty)
	out, err = runIn(t, empty, "backup", "--db", "postgres://registrar:pw@127.0.0.1:1/registrar", "--to", "copy.db")
	if err == nil || !strings.Contains(out, "pg_dump") || strings.Contains(out, ":pw@") {
		t.Fatalf("backup of PostgreSQL: %v %q; want a pointer to pg_dump, no password", err, out)
	}
	assertEmptyDir(t, empty)

	n := startNode(t, nodeOpts{})
	// A folder that is not there is named as such, not as the file.
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	if out, err := n.cli("backup", "--to", filepath.Join(missing, "copy.db")); err == nil || !strings.Contains(out, "the folder "+missing+" does not exist") {
		t.Fatalf("backup into a missing folder: %v %q; want a refusal naming the folder", err, out)
	}
	existing := filepath.Join(t.TempDir(), "copy.db")
	os.WriteFile(existing, []byte("keep me"), 0o600)
	if out, err := n.cli("backup", "--to", existing); err == nil || !strings.Contains(out, "never overwrites") {
		t.Fatalf("backup onto an existing file: %v %q; want a refusal", err, out)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatalf("the existing file was changed: %q", b)
	}
}

// TestBackupWhileServing copies the store while the server registers
// clients as fast as it can, then serves from the copy alone (with the
// master key file): every client registered before the backup began is
// there and gets tokens, and so does the bootstrap client.
func TestBackupWhileServing(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: unlimited})
	bootID, bootSecret := n.bootstrap()
	iat := n.mustCLI("iat", "create", "--uses", "0", "--json")
	var token struct{ Token string }
	if err := json.Unmarshal([]byte(iat), &token); err != nil || token.Token == "" {
		t.Fatalf("iat create: %v %s", err, iat)
	}
	w := startRegistering(n.Base+"/default/oauth2/register", token.Token)
	w.waitFor(t, 10)

	before := w.registered()
	copyPath := filepath.Join(t.TempDir(), "registrar.db")
	out := n.mustCLI("backup", "--to", copyPath)
	registeredDuring := len(w.registered()) - len(before)
	w.stop(t)
	// The reminder about the key is a note after the success line, on
	// stdout, not a line that reads like an error.
	if !strings.Contains(out, "backed up sqlite:registrar.db to "+copyPath+"\nnote: the copy holds no master key: keep the master key file registrar.key with it") {
		t.Fatalf("backup printed %q", out)
	}
	if info, err := os.Stat(copyPath); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the copy: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	t.Logf("%d clients registered before the backup, %d while it ran", len(before), registeredDuring)

	restored := filepath.Dir(copyPath)
	key, err := os.ReadFile(filepath.Join(n.Dir, "registrar.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "registrar.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	r := startNode(t, nodeOpts{Dir: restored})
	if strings.Contains(r.Stdout.String(), "bootstrap client") {
		t.Fatalf("the restored store looked empty: a new bootstrap client was printed")
	}
	r.clientCredentials("default", bootID, bootSecret, "dcr")
	for _, c := range before {
		r.clientCredentials("default", c.ID, c.Secret, "")
	}
}

type registeredClient struct{ ID, Secret string }

// registrar keeps registering clients over HTTP until stopped.
type registrar struct {
	mu      sync.Mutex
	clients []registeredClient
	err     error
	more    chan struct{} // signalled after each registration
	quit    chan struct{}
	done    chan struct{}
}

func startRegistering(endpoint, token string) *registrar {
	w := &registrar{more: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			select {
			case <-w.quit:
				return
			default:
			}
			c, err := registerOne(endpoint, token, i)
			w.mu.Lock()
			if err != nil {
				w.err = err
				w.mu.Unlock()
				return
			}
			w.clients = append(w.clients, c)
			w.mu.Unlock()
			select {
			case w.more <- struct{}{}:
			default:
			}
		}
	}()
	return w
}

func registerOne(endpoint, token string, i int) (registeredClient, error) {
	body := fmt.Sprintf(`{"client_name":"backup %d","grant_types":["client_credentials"],"response_types":[]}`, i)
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return registeredClient{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &c) != nil {
		return registeredClient{}, fmt.Errorf("registration answered %d %s", resp.StatusCode, raw)
	}
	return registeredClient{c.ClientID, c.ClientSecret}, nil
}

func (w *registrar) registered() []registeredClient {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.clients)
}

// waitFor returns once count clients are registered.
func (w *registrar) waitFor(t *testing.T, count int) {
	t.Helper()
	for len(w.registered()) < count {
		select {
		case <-w.more:
		case <-w.done:
			t.Fatalf("registering stopped: %v", w.err)
		}
	}
}

func (w *registrar) stop(t *testing.T) {
	t.Helper()
	close(w.quit)
	<-w.done
	if w.err != nil {
		t.Fatalf("registering while the backup ran: %v", w.err)
	}
}

// dockerfile is a Dockerfile read as its instructions, per stage.
type dockerfile struct {
	stages []dockerStage
}

type dockerStage struct {
	name, base string
	lines      []dockerLine
}

type dockerLine struct{ instruction, args string }

// readDockerfile joins continued lines and drops comments, as docker
// build does.
func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var df dockerfile
	var pending string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && pending == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			pending += cont + " "
			continue
		}
		line, pending = pending+line, ""
		instruction, args, _ := strings.Cut(line, " ")
		instruction, args = strings.ToUpper(instruction), strings.TrimSpace(args)
		if instruction == "FROM" {
			base, name, _ := strings.Cut(args, " AS ")
			df.stages = append(df.stages, dockerStage{name: strings.TrimSpace(name), base: strings.TrimSpace(base)})
			continue
		}
		if len(df.stages) == 0 {
			t.Fatalf("%s: %s before FROM", path, instruction)
		}
		st := &df.stages[len(df.stages)-1]
		st.lines = append(st.lines, dockerLine{instruction, args})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return df
}

// all returns the arguments of every instruction of a stage.
func (s dockerStage) all(instruction string) []string {
	var out []string
	for _, l := range s.lines {
		if l.instruction == instruction {
			out = append(out, l.args)
		}
	}
	return out
}

// last returns the arguments of a stage's last such instruction.
func (s dockerStage) last(t *testing.T, instruction string) string {
	t.Helper()
	all := s.all(instruction)
	if len(all) == 0 {
		t.Fatalf("stage %q has no %s", s.name, instruction)
	}
	return all[len(all)-1]
}

// execForm parses an instruction in exec form (a JSON array).
func execForm(t *testing.T, args string) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil || len(argv) == 0 {
		t.Fatalf("%q is not in exec form: distroless has no shell to run it", args)
	}
	return argv
}

// dockerEnv reads ENV KEY=VALUE pairs.
func dockerEnv(t *testing.T, s dockerStage) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, args := range s.all("ENV") {
		for _, kv := range strings.Fields(args) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("ENV %q: write KEY=VALUE", args)
			}
			env[k] = v
		}
	}
	return env
}

// TestDockerfile runs the Dockerfile on this machine, as far as a machine
// without a container runtime can: its build stage's go build command
// (the path the final stage copies redirected to a temporary folder) must
// make a static binary, and that binary, started with the image's
// entrypoint, command and environment (/data mapped to a temporary
// folder), must pass the image's HEALTHCHECK, and fail it once stopped.
// The image itself must be small and unprivileged: a distroless or
// scratch base, a user that is not root, /data a volume.
func TestDockerfile(t *testing.T) {
	df := readDockerfile(t, "../Dockerfile")
	if len(df.stages) < 2 {
		t.Fatalf("the Dockerfile has %d stages; want a build stage and a runtime stage", len(df.stages))
	}
	final := df.stages[len(df.stages)-1]
	if !strings.Contains(final.base, "distroless/static") && final.base != "scratch" {
		t.Errorf("the runtime stage is FROM %s; want distroless/static or scratch", final.base)
	}
	if user := final.last(t, "USER"); user == "root" || strings.HasPrefix(user, "0:") || user == "0" {
		t.Errorf("USER %s: the image must not run as root", user)
	}
	if !strings.Contains(final.last(t, "VOLUME"), "/data") {
		t.Errorf("VOLUME %s: want /data", final.last(t, "VOLUME"))
	}

	// The binary: COPY --from=<stage> SRC /usr/local/bin/registrar.
	entrypoint := execForm(t, final.last(t, "ENTRYPOINT"))
	var from, src string
	for _, c := range final.all("COPY") {
		f := strings.Fields(c)
		if len(f) >= 3 && f[len(f)-1] == entrypoint[0] && strings.HasPrefix(f[0], "--from=") {
			from, src = strings.TrimPrefix(f[0], "--from="), f[len(f)-2]
		}
	}
	if src == "" {
		t.Fatalf("no COPY --from puts the entrypoint %s in the image", entrypoint[0])
	}
	build := stageNamed(t, df, from)
	var buildCmd string
	for _, run := range build.all("RUN") {
		if strings.Contains(run, "go build") && strings.Contains(run, src) {
			buildCmd = run
		}
	}
	if buildCmd == "" {
		t.Fatalf("stage %q has no RUN go build that writes %s", from, src)
	}
	out := filepath.Join(t.TempDir(), "registrar")
	sh := exec.Command("sh", "-c", strings.ReplaceAll(buildCmd, src, out))
	sh.Dir = ".." // the build stage's WORKDIR holds the whole repository
	if output, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build, %s: %v\n%s", buildCmd, err, output)
	}
	assertStatic(t, out)

	data := t.TempDir()
	env := imageEnv(t, dockerEnv(t, final), data)
	argv := append(entrypoint[1:], execForm(t, final.last(t, "CMD"))...)
	healthcheck := healthcheckCommand(t, final.last(t, "HEALTHCHECK"), entrypoint[0])
	svc := startService(t, out, argv, env, data)
	waitHealthy(t, svc, out, healthcheck, env, data)
	for _, f := range []string{"registrar.db", "registrar.key"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("the store and key belong in the /data volume: %v", err)
		}
	}
	svc.stop(t)
	if output, err := runCommand(out, healthcheck, env, data); err == nil {
		t.Fatalf("the HEALTHCHECK passed with the server stopped: %s", output)
	}
}

func stageNamed(t *testing.T, df dockerfile, name string) dockerStage {
	t.Helper()
	for _, s := range df.stages {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no stage named %q", name)
	return dockerStage{}
}

// assertStatic fails unless path is an executable that needs no dynamic
// loader and no shared library, as distroless/static and scratch have none.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s asks for a dynamic loader: it would not run on distroless/static", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("%s needs shared libraries %v", path, libs)
	}
}

// imageEnv is the image's environment on this machine: /data is a
// temporary folder, and the listeners keep their host (every address, so
// a published port reaches them) on ports free here.
func imageEnv(t *testing.T, env map[string]string, data string) []string {
	t.Helper()
	host, _, err := net.SplitHostPort(env["REGISTRAR_LISTEN"])
	if err != nil || host != "0.0.0.0" {
		t.Fatalf("REGISTRAR_LISTEN=%q: in a container it must listen on 0.0.0.0", env["REGISTRAR_LISTEN"])
	}
	env["REGISTRAR_LISTEN"] = fmt.Sprintf("%s:%d", host, freePort(t))
	env["REGISTRAR_METRICS_LISTEN"] = "127.0.0.1:0"
	var out []string
	for k, v := range env {
		out = append(out, k+"="+strings.ReplaceAll(v, "/data", data))
	}
	return out
}

// healthcheckCommand is the HEALTHCHECK's command line, its program the
// binary under test.
func healthcheckCommand(t *testing.T, args, program string) []string {
	t.Helper()
	_, cmd, ok := strings.Cut(args, "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %s: want a CMD", args)
	}
	argv := execForm(t, strings.TrimSpace(cmd))
	if argv[0] != program {
		t.Fatalf("HEALTHCHECK runs %s; distroless has only %s to run", argv[0], program)
	}
	return argv[1:]
}

// service is a `registrar serve` started as a supervisor would.
type service struct {
	cmd    *exec.Cmd
	output *syncBuffer
	exited chan struct{} // closed when the process has exited, err set
	err    error
}

func startService(t *testing.T, bin string, args, env []string, dir string) *service {
	t.Helper()
	s := &service{cmd: exec.Command(bin, args...), output: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd.Env, s.cmd.Dir = append(baseEnv(), env...), dir
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("registrar %s:\n%s", strings.Join(args, " "), s.output)
		}
	})
	return s
}

// stop sends SIGTERM, as docker stop and systemctl stop do, and wants a
// clean exit.
func (s *service) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if s.err != nil {
			t.Fatalf("after SIGTERM: %v\n%s", s.err, s.output)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit 30 s after SIGTERM")
	}
}

func runCommand(bin string, args, env []string, dir string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir = append(baseEnv(), env...), dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// waitHealthy runs the health check until it passes, as a container
// runtime does during the start period, or the service exits.
func waitHealthy(t *testing.T, s *service, bin string, healthcheck, env []string, dir string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-s.exited:
			t.Fatalf("the server exited before it was healthy: %v", s.err)
		default:
		}
		out, err := runCommand(bin, healthcheck, env, dir)
		if err == nil {
			if !strings.Contains(out, "200 OK") {
				t.Fatalf("healthcheck passed saying %q", out)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck still failing after 90 s: %v %s", err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSystemdUnit runs docs/registrar.service's ExecStart with its
// Environment= lines on this machine, the state directory mapped to a
// temporary folder, then stops it as systemctl stop does: the command
// line must be one the binary accepts and serves with, its files kept in
// the state directory. systemd-analyze verify checks the rest of the unit
// where it is installed.
func TestSystemdUnit(t *testing.T) {
	unit := readUnit(t, "../docs/registrar.service")
	state, etc := t.TempDir(), t.TempDir()
	const stateDir, configDir, program = "/var/lib/registrar", "/etc/registrar", "/usr/local/bin/registrar"
	mapPaths := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, stateDir, state), configDir, etc)
	}
	for key, want := range map[string]string{"StateDirectory": "registrar", "WorkingDirectory": stateDir, "DynamicUser": "yes", "User": "registrar", "ProtectSystem": "strict", "NoNewPrivileges": "yes"} {
		if got := unit[key]; len(got) == 0 || got[0] != want {
			t.Errorf("%s=%v; want %s", key, got, want)
		}
	}
	// The settings file the README points at is read, and is what the
	// unit's comment says to install: the example init writes.
	if !slices.Contains(unit["Environment"], "REGISTRAR_CONFIG="+configDir+"/registrar.yaml") {
		t.Errorf("the unit does not read %s/registrar.yaml: Environment=%v", configDir, unit["Environment"])
	}
	example, _ := os.ReadFile("../docs/registrar.example.yaml")
	os.WriteFile(filepath.Join(etc, "registrar.yaml"), example, 0o644)
	// Operator commands through systemd-run must run as the unit's user,
	// or systemd hands the state directory to a user named after the
	// transient unit.
	raw, _ := os.ReadFile("../docs/registrar.service")
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, "systemd-run --") && !strings.Contains(line, "-p User=registrar") {
			t.Errorf("a systemd-run example runs as another user than the unit's: %s", line)
		}
	}
	execStart := strings.Fields(unit["ExecStart"][0])
	if execStart[0] != program {
		t.Fatalf("ExecStart runs %s; want %s", execStart[0], program)
	}
	var args []string
	for _, a := range execStart[1:] {
		args = append(args, mapPaths(a))
	}
	var env []string
	for _, kv := range unit["Environment"] {
		k, v, _ := strings.Cut(kv, "=")
		if k == "REGISTRAR_LISTEN" {
			host, _, _ := net.SplitHostPort(v)
			v = fmt.Sprintf("%s:%d", host, freePort(t))
		}
		if k == "REGISTRAR_METRICS_LISTEN" {
			v = "127.0.0.1:0"
		}
		env = append(env, k+"="+mapPaths(v))
	}
	svc := startService(t, binary, args, env, mapPaths(unit["WorkingDirectory"][0]))
	waitHealthy(t, svc, binary, []string{"healthcheck"}, env, state)
	svc.stop(t)
	for _, f := range []string{"registrar.db", "registrar.key"} {
		info, err := os.Stat(filepath.Join(state, f))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s in the state directory: %v; want it there, mode 0600", f, err)
		}
	}
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		verifyUnit(t, program)
	}
}

// readUnit returns the [Service] section's settings, each key's values in
// order.
func readUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			settings[k] = append(settings[k], v)
		}
	}
	if len(settings["ExecStart"]) != 1 {
		t.Fatalf("%s: want one ExecStart in [Service], got %v", path, settings["ExecStart"])
	}
	return settings
}

// verifyUnit runs systemd-analyze verify on the unit, its ExecStart
// pointed at the binary under test (verify wants the program to exist).
func verifyUnit(t *testing.T, program string) {
	raw, _ := os.ReadFile("../docs/registrar.service")
	path := filepath.Join(t.TempDir(), "registrar.service")
	os.WriteFile(path, bytes.ReplaceAll(raw, []byte(program), []byte(binary)), 0o644)
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil || regexp.MustCompile(`(?i)unknown|invalid|failed`).Match(out) {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestMigrateStatus: `migrate status` lists the binary's migrations
// against the store's record and applies none: a migration the store
// lacks is shown pending (and stays so), one a newer binary applied is
// named, and without a store nothing is created.
func TestMigrateStatus(t *testing.T) {
	empty := t.TempDir()
	if out, err := runIn(t, empty, "migrate", "status"); err == nil || !strings.Contains(out, "no store at") {
		t.Fatalf("migrate status without a store: %v %q", err, out)
	}
	assertEmptyDir(t, empty)

	n := startNode(t, nodeOpts{})
	n.stop()
	if out := n.mustCLI("migrate", "status"); !strings.Contains(out, "sqlite:registrar.db is up to date") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status on a served store:\n%s", out)
	}
	db, err := sql.Open("sqlite", filepath.Join(n.Dir, "registrar.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var newest int64
	db.QueryRow("SELECT MAX(version_id) FROM goose_db_version").Scan(&newest)
	if _, err := db.Exec("DELETE FROM goose_db_version WHERE version_id = ?", newest); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second run shows the first applied nothing
		out := n.mustCLI("migrate", "status")
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^%d\s+pending\s+`, newest)).MatchString(out) || !strings.Contains(out, "1 pending") {
			t.Fatalf("migrate status with migration %d unrecorded:\n%s", newest, out)
		}
	}
	if _, err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1), (?, 1)", newest, newest+100); err != nil {
		t.Fatal(err)
	}
	if out := n.mustCLI("migrate", "status"); !strings.Contains(out, fmt.Sprintf("migrated to version %d by a newer binary", newest+100)) {
		t.Fatalf("migrate status on a store a newer binary migrated:\n%s", out)
	}
}

// TestREADMEBanner: the first start's output in the README is what serve
// prints, line for line, but for the credentials and the ports.
func TestREADMEBanner(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, found := strings.Cut(string(raw), "```\n$ registrar serve\n")
	if !found {
		t.Fatal("README shows no output of `$ registrar serve`")
	}
	block, _, _ = strings.Cut(block, "```\n")
	n := startNode(t, nodeOpts{})
	normalize := func(s string) string {
		for _, r := range []struct{ re, with string }{
			{`(client_id|client_secret):(\s+)\S+`, "$1:$2…"},
			{`127\.0\.0\.1:\d+`, "127.0.0.1:PORT"},
		} {
			s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
		}
		return s
	}
	if got, want := normalize(n.Stdout.String()), normalize(block); got != want {
		t.Fatalf("serve printed:\n%s\nthe README shows:\n%s", got, want)
	}
}

// TestHealthcheckOverTLS: with the server's TLS settings in its
// environment, as a container's would be, healthcheck asks over https and
// passes without checking the certificate (it names the public host, and
// the probe sends nothing); a URL given with --url is checked as any
// client would, so one the system does not trust fails.
func TestHealthcheckOverTLS(t *testing.T) {
	n := startNode(t, nodeOpts{TLS: true})
	env := []string{fmt.Sprintf("REGISTRAR_LISTEN=127.0.0.1:%d", n.Port),
		"REGISTRAR_TLS_CERT=" + n.TLSCert.CertFile, "REGISTRAR_TLS_KEY=" + n.TLSCert.KeyFile}
	out, err := runCommand(binary, []string{"healthcheck"}, env, n.Dir)
	if err != nil || !strings.Contains(out, fmt.Sprintf("https://127.0.0.1:%d/readyz answered 200 OK", n.Port)) {
		t.Fatalf("healthcheck of a TLS listener: %v %q", err, out)
	}
	out, err = runCommand(binary, []string{"healthcheck", "--url", n.Base + "/readyz"}, nil, n.Dir)
	if err == nil || !strings.Contains(out, "certificate") {
		t.Fatalf("healthcheck --url with an untrusted certificate: %v %q; want a refusal", err, out)
	}
}

// TestComposeFile: compose.yaml (which no container runtime here can run)
// describes what the README's Several nodes asks for: at least two nodes
// built from the Dockerfile, all with one issuer, one master key and one
// PostgreSQL store, started after the database is healthy.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Build       any               `yaml:"build"`
			Image       string            `yaml:"image"`
			Environment map[string]string `yaml:"environment"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	shared := map[string]string{}
	nodes := 0
	for name, svc := range compose.Services {
		if svc.Build != "." {
			continue
		}
		nodes++
		for _, key := range []string{"REGISTRAR_MASTER_KEY", "REGISTRAR_BASE_URL", "REGISTRAR_DB"} {
			v := svc.Environment[key]
			if v == "" || (shared[key] != "" && shared[key] != v) {
				t.Errorf("%s: %s=%q; every node needs one, the same", name, key, v)
			}
			shared[key] = v
		}
		if !strings.HasPrefix(svc.Environment["REGISTRAR_DB"], "postgres://") {
			t.Errorf("%s: REGISTRAR_DB=%q; nodes in several containers need PostgreSQL", name, svc.Environment["REGISTRAR_DB"])
		}
		for dep, cond := range svc.DependsOn {
			if !strings.HasPrefix(compose.Services[dep].Image, "postgres:") || cond.Condition != "service_healthy" {
				t.Errorf("%s depends on %s (%s); want a healthy postgres", name, dep, cond.Condition)
			}
		}
	}
	if nodes < 2 {
		t.Fatalf("compose.yaml builds %d Registrar nodes; want two", nodes)
	}
}

// TestMakeRunStopsCleanly: `make run`, stopped with Ctrl-C (SIGINT to its
// process group, as a terminal sends it), stops cleanly: the server drains
// and exits 0, and make reports no failed recipe (go run exited 1, which
// make printed as "Error 1").
func TestMakeRunStopsCleanly(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("make", "--no-print-directory", "-C", "..", "run")
	cmd.Env = append(baseEnv(), "REGISTRAR_DB=sqlite:"+filepath.Join(dir, "registrar.db"),
		"REGISTRAR_MASTER_KEY_FILE="+filepath.Join(dir, "registrar.key"),
		fmt.Sprintf("REGISTRAR_LISTEN=127.0.0.1:%d", freePort(t)), "REGISTRAR_METRICS_LISTEN=off")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	for !strings.Contains(out.String(), "Registrar listening on") {
		select {
		case err := <-exited:
			t.Fatalf("make run exited before listening: %v\n%s", err, out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case err := <-exited:
		// GNU make, interrupted itself, ends by the same signal once its
		// recipe is done, as any Ctrl-C'd make does (the shell's 130); what
		// it must not do is report the recipe failed.
		var exit *exec.ExitError
		interrupted := errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGINT
		if err != nil && !interrupted || strings.Contains(out.String(), "make: ***") || !strings.Contains(out.String(), "msg=stopped") {
			t.Fatalf("make run after Ctrl-C: %v\n%s", err, out)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("make run still running 60 s after Ctrl-C\n%s", out)
	}
}

// TestMakeBuildStampsTheCommit: `make build` in a git clone records the
// commit that `registrar version` prints, even where GOFLAGS turns VCS
// stamping off (as on the machine these tests were written on).
func TestMakeBuildStampsTheCommit(t *testing.T) {
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	clone := filepath.Join(t.TempDir(), "registrar")
	if out, err := exec.Command("git", "clone", "--quiet", "--no-hardlinks", "..", clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("make", "--no-print-directory", "build")
	build.Dir, build.Env = clone, append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(clone, "bin", "registrar"), "version").CombinedOutput()
	if commit := strings.TrimSpace(string(head)); err != nil || !strings.Contains(string(out), "(commit "+commit) || strings.HasPrefix(string(out), "registrar devel") {
		t.Errorf("registrar version of make build in a clone: %v %q; want the commit %s", err, out, commit)
	}
	if df, _ := os.ReadFile("../Dockerfile"); !bytes.Contains(df, []byte("go build -buildvcs=auto")) {
		t.Error("the Dockerfile's go build does not ask for VCS stamping (-buildvcs=auto), which GOFLAGS may turn off")
	}
}
