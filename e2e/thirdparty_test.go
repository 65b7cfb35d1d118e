package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/registrar-dev/registrar/internal/oauth"
)

// runNode runs one of e2e/js's scripts against issuer and decodes the JSON
// line it prints.
func runNode(t *testing.T, script, issuer, iat, scope string) map[string]any {
	t.Helper()
	return runNodeEnv(t, script, "ISSUER="+issuer, "INITIAL_ACCESS_TOKEN="+iat, "SCOPE="+scope)
}

// runNodeEnv runs a script of e2e/js with env added to the environment
// and decodes the JSON line it prints last.
func runNodeEnv(t *testing.T, script string, env ...string) map[string]any {
	t.Helper()
	_, err := os.Stat(filepath.Join("js", "node_modules", "jose"))
	requireCI(t, err == nil, "node (Node.js 20 and e2e/js/node_modules from npm ci)")
	cmd := exec.Command("node", script)
	cmd.Dir = "js"
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("node %s printed: %s", script, out)
	}
	return m
}

// TestOpenIDClientRegistersAndUsesClient: npm openid-client's dynamic
// registration API, then a client_credentials grant with the new client.
func TestOpenIDClientRegistersAndUsesClient(t *testing.T) {
	n := startNode(t, nodeOpts{})
	got := runNode(t, "openid-client-dcr.mjs", n.Base+"/default", n.iat("default", 1), "profile")
	if got["has_secret"] != true || got["has_access_token"] != true || got["token_type"] != "bearer" && got["token_type"] != "Bearer" {
		t.Fatalf("openid-client: %v", got)
	}
	at, _ := got["access_token"].(string)
	n.checkClientToken(t, "default", at, got["client_id"], "profile")
}

// checkClientToken verifies a client_credentials access token of ws as a
// resource server would, against the published JWKS: signature, RFC 9068
// claims, and that it names clientID and carries scope.
func (n *node) checkClientToken(t *testing.T, ws, at string, clientID any, scope string) {
	t.Helper()
	r := get(t, n.Base+"/"+ws+"/.well-known/jwks.json")
	set, err := jwk.Parse(r.Body)
	if r.Status != 200 || err != nil {
		t.Fatalf("JWKS: %d %v", r.Status, err)
	}
	claims := verifyAccessToken(t, at, set, "ES256")
	if claims["iss"] != n.Base+"/"+ws || claims["client_id"] != clientID || claims["sub"] != clientID || claims["scope"] != scope {
		t.Fatalf("access token claims %v; want iss %s/%s, client_id and sub %v, scope %q", claims, n.Base, ws, clientID, scope)
	}
}

// TestOAuth4WebAPIFullCycle: discovery, registration, token, introspection,
// revocation with npm oauth4webapi.
func TestOAuth4WebAPIFullCycle(t *testing.T) {
	n := startNode(t, nodeOpts{})
	got := runNode(t, "oauth4webapi-dcr.mjs", n.Base+"/default", n.iat("default", 1), "profile email")
	if got["token_endpoint_auth_method"] != "client_secret_basic" || got["active_before_revocation"] != true || got["active_after_revocation"] != false || got["introspected_client_id"] != got["client_id"] {
		t.Fatalf("oauth4webapi: %v", got)
	}
}

// TestGoClientCredentialsWithRegisteredClient: golang.org/x/oauth2 uses a
// client that registered itself.
func TestGoClientCredentialsWithRegisteredClient(t *testing.T) {
	n := startNode(t, nodeOpts{})
	reg := n.mustRegister("default", n.iat("default", 1), `{"grant_types":["client_credentials"],"scope":"profile"}`)
	cc := clientcredentials.Config{ClientID: reg["client_id"].(string), ClientSecret: reg["client_secret"].(string),
		TokenURL: n.Base + "/default/oauth2/token", Scopes: []string{"profile"}}
	tok, err := cc.Token(context.Background())
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("x/oauth2: %v", err)
	}
	n.checkClientToken(t, "default", tok.AccessToken, reg["client_id"], "profile")
}

// TestOAuth4WebAPIPushedAuthorization: npm oauth4webapi registers a code
// flow client, pushes its authorization request (RFC 9126); the browser
// signs in with the request_uri alone; oauth4webapi checks the response
// (state, and iss as RFC 9207 and discovery ask) and redeems the code.
func TestOAuth4WebAPIPushedAuthorization(t *testing.T) {
	f := newFlowFixture(t, "")
	issuer := f.n.Base + "/default"
	const redirect = "https://app.example/cb"
	pushed := runNodeEnv(t, "oauth4webapi-par.mjs", "STEP=push", "ISSUER="+issuer, "INITIAL_ACCESS_TOKEN="+f.n.iat("default", 1), "REDIRECT_URI="+redirect)
	if pushed["expires_in"] != float64(60) || !strings.HasPrefix(fmt.Sprint(pushed["request_uri"]), oauth.RequestURIPrefix) {
		t.Fatalf("oauth4webapi PAR: %v", pushed)
	}
	callback := f.signInAt(newAgent(t), pushed["authorization_url"].(string), "carol", "correct horse battery")
	got := runNodeEnv(t, "oauth4webapi-par.mjs", "STEP=redeem", "ISSUER="+issuer, "REDIRECT_URI="+redirect, "CALLBACK="+callback.String(),
		"CLIENT_ID="+pushed["client_id"].(string), "CLIENT_SECRET="+pushed["client_secret"].(string),
		"CODE_VERIFIER="+pushed["code_verifier"].(string), "STATE="+pushed["state"].(string))
	if got["has_access_token"] != true || got["has_id_token"] != true || got["sub"] == nil {
		t.Fatalf("oauth4webapi redeem: %v", got)
	}
}
