package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// walkthroughHeading starts the README section TestREADMESignedWalkthrough
// runs.
const walkthroughHeading = "## Signed registration from the CLI"

// runShell runs script with bash in dir, with the binary under test first
// on PATH as `registrar`, and returns its stdout; it fails the test on a
// non-zero exit.
func runShell(t *testing.T, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\nscript:\n%s\nstdout:\n%s\nstderr:\n%s", err, script, out, stderr.String())
	}
	return string(out)
}

// TestREADMESignedWalkthrough runs the README's signed registration
// walkthrough as written, with the dev CLI and curl against the real
// binary: keys and YAML, `registrar serve` (started by the harness on a
// free port), a statement, a signed registration, a private_key_jwt
// token, then the two refusals it shows.
func TestREADMESignedWalkthrough(t *testing.T) {
	for _, tool := range []string{"curl", "jq"} {
		_, err := exec.LookPath(tool)
		requireCI(t, err == nil, tool)
	}
	blocks := readmeShellBlocks(t, walkthroughHeading)
	if len(blocks) != 4 || !strings.HasPrefix(blocks[1], "registrar serve") {
		t.Fatalf("the walkthrough's shape changed (setup, serve, use, refusals); update this test: %q", blocks)
	}
	dir := t.TempDir()
	runShell(t, dir, blocks[0])
	n := startNode(t, nodeOpts{Dir: dir, Env: []string{"REGISTRAR_CONFIG=registrar.yaml"}})
	// The README's server listens on the default address.
	atNode := func(s string) string { return strings.ReplaceAll(s, "http://127.0.0.1:8080", n.Base) }

	// One shell, as a reader would run them: the refusals replay the
	// assertion the block before used. The separator is the test's.
	const cut = "--- refusals ---"
	out := runShell(t, dir, atNode(blocks[2])+"echo; echo '"+cut+"'\n"+atNode(blocks[3]))
	used, refused, _ := strings.Cut(out, cut)
	var token map[string]any
	lines := strings.Split(strings.TrimSpace(used), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &token); err != nil || token["access_token"] == nil {
		t.Fatalf("the walkthrough's token request answered %q", used)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "client.json"))
	var reg map[string]any
	if err != nil || json.Unmarshal(raw, &reg) != nil || reg["token_endpoint_auth_method"] != "private_key_jwt" ||
		reg["software_id"] != "example-app" || reg["software_statement"] == nil {
		t.Fatalf("registration answer %s: %v", raw, err)
	}
	n.checkClientToken(t, "partners", token["access_token"].(string), reg["client_id"], "profile")
	if !strings.Contains(refused, `"error":"invalid_client"`) || !strings.Contains(refused, `"error": "invalid_software_statement"`) {
		t.Fatalf("the refusals answered:\n%s", refused)
	}
}

// TestDevRegisterWithInitialAccessToken: `dev register --iat` in the
// default protection mode, metadata on stdin; the token was single use, so
// a second registration with it exits non-zero showing the RFC 6750 error.
func TestDevRegisterWithInitialAccessToken(t *testing.T) {
	n := startNode(t, nodeOpts{})
	iat := n.iat("default", 1)
	register := []string{"dev", "register", "--endpoint", n.Base + "/default/oauth2/register", "--metadata", "-", "--iat", iat}
	out, err := n.cliInput(`{"grant_types":["client_credentials"],"scope":"profile"}`, register...)
	if err != nil || !strings.Contains(out, "client_id:") || !strings.Contains(out, "client_secret:") {
		t.Fatalf("dev register: %v\n%s", err, out)
	}
	out, err = n.cliInput(`{"grant_types":["client_credentials"]}`, append(register, "--json")...)
	if err == nil || !strings.Contains(out, `"error": "invalid_token"`) {
		t.Fatalf("a spent initial access token: %v\n%s", err, out)
	}
}
