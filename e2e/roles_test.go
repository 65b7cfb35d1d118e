package e2e

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

// wantUnknownPath checks r is the 404 of a path the node does not serve.
func wantUnknownPath(t *testing.T, r response, what string) {
	t.Helper()
	if r.Status != 404 || r.JSON(t)["error"] != "not_found" {
		t.Fatalf("%s: %d %s, want 404 not_found", what, r.Status, r.Body)
	}
}

// discoveredRegistrationEndpoint is what the default workspace's
// discovery names, "" for none.
func (n *node) discoveredRegistrationEndpoint() string {
	n.t.Helper()
	disc := get(n.t, n.Base+"/default/.well-known/openid-configuration").JSON(n.t)
	endpoint, _ := disc["registration_endpoint"].(string)
	return endpoint
}

// TestRegistrationNodesApart: the registration API on a node of its own
// (seed 004's separate host), the token endpoints on another, one
// PostgreSQL between them. A client registered through the one gets
// tokens from the other at once; each node answers 404 where the other
// role's endpoints are; the token node's discovery names the registration
// endpoint only when registration_endpoint says where the registration
// nodes are, and the client URIs are under it.
func TestRegistrationNodesApart(t *testing.T) {
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	db := freshSchema(t, dsn)
	env := []string{masterKeyEnv(), "REGISTRAR_BASE_URL=https://id.example.test"}
	const dcrHost = "https://dcr.example.test"
	tokens := startNode(t, nodeOpts{DB: db, Env: env, Args: []string{"--roles", "token"}})
	registrar := startNode(t, nodeOpts{DB: db, Env: append(env, "REGISTRAR_ROLES=registration"), YAML: "registration_endpoint: " + dcrHost + "\n"})

	if got := tokens.discoveredRegistrationEndpoint(); got != "" {
		t.Fatalf("the token node's discovery names registration_endpoint %q, served by no node it knows of", got)
	}
	if got := registrar.discoveredRegistrationEndpoint(); got != dcrHost+"/default/oauth2/register" {
		t.Fatalf("the registration node's discovery names %q", got)
	}

	bootID, bootSecret := tokens.bootstrap()
	dcr := tokens.clientCredentials("default", bootID, bootSecret, "dcr")["access_token"].(string)
	wantUnknownPath(t, tokens.register("default", dcr, `{"grant_types":["client_credentials"]}`), "register on the token node")
	reg := registrar.mustRegister("default", dcr, `{"grant_types":["client_credentials"],"scope":"profile"}`)
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)

	// At once: no cache of clients between the nodes.
	tok := tokens.clientCredentials("default", id, secret, "profile")["access_token"].(string)
	if in := tokens.introspect("default", id, secret, tok); in["active"] != true {
		t.Fatalf("the token node does not accept its own token of the new client: %v", in)
	}

	clientURI, rat := reg["registration_client_uri"].(string), reg["registration_access_token"].(string)
	path, ok := strings.CutPrefix(clientURI, dcrHost)
	if !ok || path != "/default/oauth2/register/"+url.PathEscape(id) {
		t.Fatalf("registration_client_uri %q is not under %s", clientURI, dcrHost)
	}
	wantUnknownPath(t, get(t, tokens.Base+path, "Authorization", "Bearer "+rat), "client read on the token node")
	if r := get(t, registrar.Base+path, "Authorization", "Bearer "+rat); r.Status != 200 || r.JSON(t)["client_id"] != id {
		t.Fatalf("client read on the registration node: %d %s", r.Status, r.Body)
	}

	wantUnknownPath(t, postForm(t, registrar.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}},
		"Authorization", basicAuth(id, secret)), "token on the registration node")
	wantUnknownPath(t, get(t, registrar.Base+"/default/oauth2/authorize?client_id="+id), "authorize on the registration node")
	if r := get(t, registrar.Base+"/default/.well-known/jwks.json"); r.Status != 200 {
		t.Fatalf("JWKS on the registration node: %d %s", r.Status, r.Body)
	}

	// A token node told where the registration nodes are names them.
	named := startNode(t, nodeOpts{DB: db, Env: append(env, "REGISTRAR_ROLES=token,admin"), YAML: "registration_endpoint: " + dcrHost + "/\n"})
	if got := named.discoveredRegistrationEndpoint(); got != dcrHost+"/default/oauth2/register" {
		t.Fatalf("a token node with registration_endpoint set names %q", got)
	}
	wantUnknownPath(t, named.register("default", dcr, `{}`), "register on a token node naming the registration nodes")
}

// TestRolesSettingErrors: an unknown role or an empty list stops the
// start, naming the setting and where it came from; a node started with
// its roles from the file serves those only.
func TestRolesSettingErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		yaml string
		args []string
		want string
	}{
		{"unknown role from the flag", nil, "", []string{"--roles", "token,dcr"}, `roles (from --roles): "dcr" is not a role: use token, registration, admin`},
		{"empty flag", nil, "", []string{"--roles", ""}, "roles (from --roles): no role given"},
		{"unknown role from the environment", []string{"REGISTRAR_ROLES=registration,tokens"}, "", nil, `roles (from REGISTRAR_ROLES): "tokens" is not a role`},
		{"empty list in the file", nil, "roles: []\n", nil, "config file registrar.yaml: line 1: roles: no role given"},
		{"registration_endpoint with a path", nil, "roles: [token]\nregistration_endpoint: https://dcr.example.test/dcr\n", nil, "line 2: registration_endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := tc.env
			if tc.yaml != "" {
				if err := os.WriteFile(dir+"/registrar.yaml", []byte(tc.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
				env = append(env, "REGISTRAR_CONFIG=registrar.yaml")
			}
			out := runFailing(t, dir, env, append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
			if !strings.Contains(out, tc.want) {
				t.Fatalf("the message does not say %q:\n%s", tc.want, out)
			}
		})
	}
	n := startNode(t, nodeOpts{YAML: "roles: [registration]\n"})
	wantUnknownPath(t, postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}}), "token on a registration node")
	if r := n.register("default", "", `{}`); r.Status != 401 {
		t.Fatalf("register without a token on a registration node: %d %s, want 401", r.Status, r.Body)
	}
}
