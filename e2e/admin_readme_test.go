package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// curlChecked replaces curl in the README's examples: the call as
// written, its answer printed, and the script stopped on a status of 400
// or more (a missing Content-Type is 415, a wrong body 400).
const curlChecked = `curl() {
  local out code
  out=$(command curl -sS -w '\n%{http_code}' "$@") || exit 1
  code=${out##*$'\n'}
  printf '%s\n' "$out"
  if [ "$code" -ge 400 ]; then echo "curl $*: HTTP $code" >&2; exit 1; fi
}
`

// TestREADMEAdminAPIExamples runs every curl example of the README's
// "Admin API" section, as printed, against the binary: each must answer
// below 400. $ADMIN_TOKEN is REGISTRAR_ADMIN_TOKEN, $ID an operator's
// client and $NEXT a cursor, as a reader would have them.
func TestREADMEAdminAPIExamples(t *testing.T) {
	_, err := exec.LookPath("curl")
	requireCI(t, err == nil, "curl")
	n := startNode(t, nodeOpts{Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}})
	api := adminAPI{n, envAdminToken}
	api.ok(201, "POST", "/workspaces/default/clients", `{"client_name":"acme tools","grant_types":["client_credentials"]}`)
	id := api.ok(201, "POST", "/workspaces/default/clients", `{"client_name":"acme","grant_types":["client_credentials"]}`)["client_id"].(string)
	next, _ := api.ok(200, "GET", "/workspaces/default/clients?limit=1", "")["next_cursor"].(string)
	if next == "" {
		t.Fatal("two clients gave no second page")
	}
	ran := 0
	for _, it := range readmeItems(t, "## Admin API") {
		if it.Heading != "" && strings.HasPrefix(it.Heading, "## ") {
			break // the next section
		}
		if it.Lang != "sh" || !strings.Contains(it.Block, "curl ") {
			continue
		}
		script := curlChecked + strings.ReplaceAll(it.Block, "http://localhost:8080", n.Base)
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(n.Env, "ADMIN_TOKEN="+envAdminToken, "ID="+id, "NEXT="+next)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README example failed: %v\n%s\n--- output:\n%s", err, it.Block, out)
		}
		ran++
	}
	if ran == 0 {
		t.Fatal("no curl example found in the Admin API section")
	}
}
