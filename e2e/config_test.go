package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// issuerOf reads the default workspace's issuer from discovery.
func (n *node) issuerOf() string {
	n.t.Helper()
	iss, _ := get(n.t, n.Base+"/default/.well-known/openid-configuration").JSON(n.t)["issuer"].(string)
	return iss
}

// TestConfigPrecedence: flag > environment > YAML > default, one layer
// added per restart on the same store. The harness always passes --listen
// and --db, so bad REGISTRAR_LISTEN and REGISTRAR_DB values must lose.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	yaml := "base_url: https://yaml.example\nlog_level: warn\n"
	steps := []struct {
		name   string
		env    []string
		args   []string
		issuer string
	}{
		{"default", nil, nil, ""}, // filled in below: http://127.0.0.1:PORT/default
		{"yaml", []string{"REGISTRAR_CONFIG=registrar.yaml"}, nil, "https://yaml.example/default"},
		{"env over yaml", []string{"REGISTRAR_CONFIG=registrar.yaml", "REGISTRAR_BASE_URL=https://env.example"}, nil, "https://env.example/default"},
		{"flag over env", []string{"REGISTRAR_CONFIG=registrar.yaml", "REGISTRAR_BASE_URL=https://env.example", "REGISTRAR_LISTEN=nowhere", "REGISTRAR_DB=mysql://x"},
			[]string{"--base-url", "https://flag.example/"}, "https://flag.example/default"},
		{"--config flag over env", []string{"REGISTRAR_CONFIG=missing.yaml"}, []string{"--config", "registrar.yaml"}, "https://yaml.example/default"},
	}
	if err := os.WriteFile(filepath.Join(dir, "registrar.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	for _, st := range steps {
		n := startNode(t, nodeOpts{Dir: dir, Port: port, Env: st.env, Args: st.args})
		want := st.issuer
		if want == "" {
			want = n.Base + "/default"
		}
		if got := n.issuerOf(); got != want {
			t.Errorf("%s: issuer %q, want %q", st.name, got, want)
		}
		n.stop()
	}
	info, err := os.Stat(filepath.Join(dir, "registrar.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v, mode %v; want one created with 0600", err, info.Mode().Perm())
	}
}

// runFailing starts `registrar args...` in dir with env and expects it to
// exit non-zero within 15s; it returns the combined output.
func runFailing(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir, cmd.Env = dir, append(baseEnv(), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("registrar %v did not stop on its bad configuration:\n%s", args, out)
	}
	if err == nil {
		t.Fatalf("registrar %v started with a bad configuration:\n%s", args, out)
	}
	return string(out)
}

// TestConfigErrorsFromEveryLayer: a bad value from the environment or the
// YAML file stops the start, and the message names the key to fix, and
// for a value from the file, the file and line, even for a check made
// after the file is decoded.
func TestConfigErrorsFromEveryLayer(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		yaml string
		key  string
	}{
		{"env base_url not http", []string{"REGISTRAR_BASE_URL=ftp://x.example"}, "", "base_url"},
		{"env base_url plain http off loopback", []string{"REGISTRAR_BASE_URL=http://id.example"}, "", "base_url"},
		{"env base_url with query", []string{"REGISTRAR_BASE_URL=https://id.example/?a=b"}, "", "base_url"},
		{"env db", []string{"REGISTRAR_DB=mysql://x"}, "", "db"},
		// No --listen flag here, or it would win over the bad value.
		{"env listen", []string{"REGISTRAR_LISTEN=nowhere"}, "", "listen"},
		{"env log level", []string{"REGISTRAR_LOG_LEVEL=loud"}, "", "log_level"},
		{"env metrics listen", []string{"REGISTRAR_METRICS_LISTEN=9464"}, "", `metrics_listen (from REGISTRAR_METRICS_LISTEN): "9464" is not host:port`},
		{"env master key", []string{"REGISTRAR_MASTER_KEY=too-short"}, "", "REGISTRAR_MASTER_KEY"},
		{"missing config file", []string{"REGISTRAR_CONFIG=nope.yaml"}, "", "nope.yaml"},
		{"yaml base_url", nil, "log_level: warn\nbase_url: http://id.example\n", `config file registrar.yaml: line 2: base_url: "http://id.example" must use https`},
		{"env over a yaml value", []string{"REGISTRAR_LOG_LEVEL=loud"}, "log_level: warn\n", `log_level (from REGISTRAR_LOG_LEVEL): "loud"`},
		{"yaml unknown key", nil, "bsae_url: https://id.example\n", "bsae_url"},
		{"yaml not a mapping", nil, "- a\n- b\n", "registrar.yaml"},
		{"yaml workspace alg", nil, "workspaces:\n  - name: w\n    access_token_alg: HS256\n", "access_token_alg"},
		{"yaml workspace format", nil, "workspaces:\n  - name: w\n    access_token_format: paseto\n", "access_token_format"},
		{"yaml workspace ttl", nil, "workspaces:\n  - name: w\n    access_token_ttl: -5\n", "access_token_ttl"},
		{"yaml workspace name", nil, "workspaces:\n  - name: \"Bad Name/..\"\n", "name"},
		{"yaml workspace twice", nil, "workspaces:\n  - name: w\n  - name: w\n", `config file registrar.yaml: line 3: workspaces[1].name: "w" declared twice`},
		{"yaml scope in the second workspace", nil, "workspaces:\n  - name: v\n  - name: w\n    scopes:\n      - openid\n      - bad scope\n",
			`config file registrar.yaml: line 6: workspaces[1] (w).scopes: "bad scope" is not a scope token`},
		{"yaml workspace unknown key", nil, "workspaces:\n  - name: w\n    acces_token_alg: RS256\n", "acces_token_alg"},
		{"yaml registration scope not a workspace scope", nil, "workspaces:\n  - name: x\n    scopes: [openid, profile]\n    registration:\n      scope: dcr\n",
			`config file registrar.yaml: line 5: workspaces[0] (x).registration.scope: "dcr" is not among the workspace scopes`},
		{"yaml registered clients could mint initial access tokens", nil, "workspaces:\n  - name: x\n    registration:\n      scopes: [openid, dcr]\n",
			`config file registrar.yaml: line 4: workspaces[0] (x).registration.scopes: "dcr" is registration.scope, so a registered client could mint its own initial access tokens`},
		{"yaml everyday registration scope", nil, "workspaces:\n  - name: x\n    registration:\n      scope: openid\n",
			`config file registrar.yaml: line 4: workspaces[0] (x).registration.scope: "openid" is a scope ordinary sign-ins are granted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := tc.env
			if tc.yaml != "" {
				if err := os.WriteFile(filepath.Join(dir, "registrar.yaml"), []byte(tc.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
				env = append(env, "REGISTRAR_CONFIG=registrar.yaml")
			}
			args := []string{"serve", "--listen", "127.0.0.1:0"}
			if strings.HasPrefix(strings.Join(tc.env, " "), "REGISTRAR_LISTEN=") {
				args = args[:1]
			}
			out := runFailing(t, dir, env, args...)
			if !strings.Contains(out, tc.key) {
				t.Fatalf("the message does not name %s:\n%s", tc.key, out)
			}
		})
	}
}

// TestMasterKeyGuards: a key file others can read is refused, not
// silently used; a different master key on an existing store stops the
// start instead of serving with keys and secrets it cannot open.
func TestMasterKeyGuards(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, nodeOpts{Dir: dir})
	n.stop()
	key := filepath.Join(dir, "registrar.key")
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runFailing(t, dir, nil, "serve", "--listen", "127.0.0.1:0"); !strings.Contains(out, "registrar.key") {
		t.Fatalf("the message does not name the key file:\n%s", out)
	}
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}
	out := runFailing(t, dir, []string{masterKeyEnv()}, "serve", "--listen", "127.0.0.1:0")
	if bootSecretRE.MatchString(out) {
		t.Fatalf("a start with the wrong master key made a new bootstrap client:\n%s", out)
	}
	if !strings.Contains(out, "sealed under another master key than the one from REGISTRAR_MASTER_KEY") {
		t.Fatalf("the message does not say the master key is wrong:\n%s", out)
	}
	// A lost key file: the start that would make a new one must not leave
	// it behind, or the next start would seem to have its key.
	if err := os.Rename(key, key+".lost"); err != nil {
		t.Fatal(err)
	}
	runFailing(t, dir, nil, "serve", "--listen", "127.0.0.1:0")
	if _, err := os.Stat(key); err == nil {
		t.Fatal("a failed start left a new, useless master key file behind")
	}
}

// TestClientCLI: create (space-separated and repeated flags), get, list
// and delete on the store of a running server, which sees each change.
func TestClientCLI(t *testing.T) {
	n := startNode(t, nodeOpts{})
	before := n.clientList("default")
	for _, bad := range [][]string{
		{"--scope", "launch-missiles"},
		{"--grant-type", "password"},
		{"--auth-method", "private_key_jwt"},
		{"--auth-method", "none"}, // a public client cannot use client_credentials
	} {
		args := append([]string{"client", "create", "--workspace", "default", "--json", "--grant-type", "client_credentials"}, bad...)
		if out, err := n.cli(args...); err == nil {
			t.Errorf("client create %v succeeded: %s", bad, out)
		}
	}
	// A code-flow client with nowhere to receive its codes could never
	// sign anyone in (RFC 7591 §5); the refusal names the missing flag.
	if out, err := n.cli("client", "create", "--grant-type", "authorization_code", "--json"); err == nil || !strings.Contains(out, "--redirect-uri: required") {
		t.Errorf("client create of a code-flow client without --redirect-uri: %v\n%s", err, out)
	}
	// Nor may an operator register a redirect URI no authorization server
	// should send a code to (RFC 6749 §3.1.2, RFC 9700 §2.1).
	for _, uri := range []string{"javascript:alert(1)", "https://app.example/cb#frag", "/relative/cb", "https://*.example/cb"} {
		out, err := n.cli("client", "create", "--grant-type", "authorization_code", "--redirect-uri", uri, "--json")
		if err == nil || !strings.Contains(out, "--redirect-uri:") {
			t.Errorf("client create with redirect URI %q: %v\n%s", uri, err, out)
		}
	}
	if _, err := n.cli("client", "create", "--workspace", "nope", "--json"); err == nil {
		t.Error("client create in an unknown workspace succeeded")
	}
	if after := n.clientList("default"); after != before {
		t.Fatalf("refused creations changed the clients:\n%s", after)
	}

	id, secret := n.createClient("default", "--grant-type", "client_credentials", "--scope", "profile email", "--scope", "dcr")
	var got map[string]any
	if err := json.Unmarshal([]byte(n.mustCLI("client", "get", "--workspace", "default", id, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got["client_id"] != id || got["scope"] != "profile email dcr" || got["origin"] != "cli" || got["client_secret"] != nil {
		t.Fatalf("client get: %v; want the scope joined, origin cli, and no secret", got)
	}
	if !strings.Contains(n.clientList("default"), id) {
		t.Fatal("client list does not show the new client")
	}
	if tok := n.clientCredentials("default", id, secret, "profile dcr"); tok["scope"] != "profile dcr" {
		t.Fatalf("token for the new client: %v", tok)
	}

	// An unknown workspace reads the same from every command, not as a
	// missing client or token in it.
	for _, args := range [][]string{
		{"client", "list"}, {"client", "get", id}, {"client", "delete", id},
		{"iat", "revoke", "i1"}, {"user", "delete", "alice"}, {"keys", "rotate"},
	} {
		out, err := n.cli(append(args, "--workspace", "nope")...)
		if err == nil || !strings.Contains(out, `workspace "nope" does not exist`) {
			t.Errorf("%s --workspace nope: %v\n%s; want it to say the workspace does not exist", strings.Join(args, " "), err, out)
		}
	}
	codeID, _ := n.createClient("default", "--grant-type", "authorization_code", "--redirect-uri", "https://app.example/cb")
	var code map[string]any
	json.Unmarshal([]byte(n.mustCLI("client", "get", "--workspace", "default", codeID, "--json")), &code)
	if rt := stringList(code["response_types"]); len(rt) != 1 || rt[0] != "code" {
		t.Fatalf("a code-grant client from the CLI has response_types %v; want [code]", code["response_types"])
	}
	n.mustCLI("client", "delete", "--workspace", "default", codeID)

	var deleted map[string]any
	if err := json.Unmarshal([]byte(n.mustCLI("client", "delete", "--workspace", "default", id, "--json")), &deleted); err != nil || deleted["client_id"] != id {
		t.Fatalf("client delete --json: %v %v", deleted, err)
	}
	if r := postForm(t, n.Base+"/default/oauth2/token", map[string][]string{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(id, secret)); r.Status != 401 {
		t.Fatalf("a deleted client still gets tokens: %d %s", r.Status, r.Body)
	}
	if after := n.clientList("default"); after != before {
		t.Fatalf("client list after delete:\n%s\nwant:\n%s", after, before)
	}
	for _, args := range [][]string{{"get", id}, {"delete", id}} {
		if out, err := n.cli(append([]string{"client", "--workspace", "default"}, args...)...); err == nil {
			t.Errorf("client %v of a deleted client succeeded: %s", args, out)
		}
	}
}
