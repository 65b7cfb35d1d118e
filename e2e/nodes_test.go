package e2e

import (
	"net/url"
	"os"
	"testing"
)

// checkRevocationAcrossNodes: a token issued by one node and revoked on
// another is inactive on the first, so no node trusts a cache of its own
// (DESIGN.md: revocation works across nodes through the database).
func checkRevocationAcrossNodes(t *testing.T, issuer, revoker *node, c cred, scope string) {
	t.Helper()
	tok := issuer.clientCredentials(c.ws, c.id, c.secret, scope)["access_token"].(string)
	if in := revoker.introspect(c.ws, c.id, c.secret, tok); in["active"] != true {
		t.Fatalf("%s: node %d does not accept node %d's token: %v", c.ws, revoker.Port, issuer.Port, in)
	}
	r := postForm(t, revoker.Base+"/"+c.ws+"/oauth2/revoke", url.Values{"token": {tok}}, "Authorization", basicAuth(c.id, c.secret))
	if r.Status != 200 {
		t.Fatalf("%s: revoke on node %d: %d %s", c.ws, revoker.Port, r.Status, r.Body)
	}
	if in := issuer.introspect(c.ws, c.id, c.secret, tok); len(in) != 1 || in["active"] != false {
		t.Fatalf("%s: node %d still accepts a token revoked on node %d: %v", c.ws, issuer.Port, revoker.Port, in)
	}
}

const opaqueYAML = "workspaces:\n  - name: opaque\n    access_token_format: opaque\n"

// TestNodesShareStateThroughSQLite: two processes on one SQLite file (WAL)
// agree on clients, revocations of both token formats and key rotation.
// Node B re-reads keys only hourly, so it must find a new kid by itself
// when it first meets a token signed with it.
func TestNodesShareStateThroughSQLite(t *testing.T) {
	// One working directory, so one master key file; one public issuer, as
	// behind a load balancer (a JWT names its issuer).
	dir, issuer := t.TempDir(), "REGISTRAR_BASE_URL=https://id.example.test"
	a := startNode(t, nodeOpts{Dir: dir, YAML: opaqueYAML + shortJWKSMaxAge, Env: []string{issuer}})
	b := startNode(t, nodeOpts{Dir: dir, YAML: opaqueYAML + shortJWKSMaxAge, Env: []string{issuer, "REGISTRAR_KEY_REFRESH=59m"}})
	if bootIDRE.MatchString(b.Stdout.String()) {
		t.Fatal("the second node printed another bootstrap client")
	}
	boot := cred{ws: "default"}
	boot.id, boot.secret = a.bootstrap()
	op := cred{ws: "opaque"}
	op.id, op.secret = a.createClient("opaque", "--grant-type", "client_credentials", "--scope", "profile")

	checkRevocationAcrossNodes(t, a, b, boot, "dcr")
	checkRevocationAcrossNodes(t, b, a, op, "profile")

	old := a.clientCredentials("default", boot.id, boot.secret, "dcr")["access_token"].(string)
	var fresh string
	checkStagedRotation(t, a, "default", func() string {
		fresh = a.clientCredentials("default", boot.id, boot.secret, "dcr")["access_token"].(string)
		return fresh
	})
	for name, tok := range map[string]string{"new-key token": fresh, "old-key token": old} {
		if in := b.introspect("default", boot.id, boot.secret, tok); in["active"] != true {
			t.Fatalf("node B rejects node A's %s: %v", name, in)
		}
	}
}

// TestConcurrentFirstStart: replicas deployed together start at the same
// moment on an empty store. Migrations, workspace creation, key
// generation and the bootstrap client must each happen once, or the
// nodes must agree on what the other made: one bootstrap client, printed
// by one node, whose tokens both accept.
func TestConcurrentFirstStart(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		checkConcurrentFirstStart(t, nodeOpts{Dir: dir}, nodeOpts{Dir: dir}, nodeOpts{Dir: dir})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
		requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
		db := freshSchema(t, dsn)
		env := []string{masterKeyEnv()}
		checkConcurrentFirstStart(t, nodeOpts{DB: db, Env: env}, nodeOpts{DB: db, Env: env}, nodeOpts{DB: db, Env: env})
	})
}

// checkConcurrentFirstStart launches one node per opts at once (three
// make the race far likelier to show than two).
func checkConcurrentFirstStart(t *testing.T, opts ...nodeOpts) {
	const issuer = "REGISTRAR_BASE_URL=https://id.example.test"
	var nodes, printed []*node
	for _, o := range opts {
		o.Env = append(o.Env, issuer)
		nodes = append(nodes, launchNode(t, o))
	}
	for _, n := range nodes {
		n.waitReady()
		if bootSecretRE.MatchString(n.Stdout.String()) {
			printed = append(printed, n)
		}
	}
	if len(printed) != 1 {
		t.Fatalf("%d nodes printed a bootstrap client; want exactly one", len(printed))
	}
	id, secret := printed[0].bootstrap()
	if c := nodes[0].clientCount("default"); c != 1 {
		t.Fatalf("%d clients in default after concurrent first starts; want the one bootstrap client", c)
	}
	for i, from := range nodes {
		to := nodes[(i+1)%len(nodes)]
		tok := from.clientCredentials("default", id, secret, "dcr")["access_token"].(string)
		if in := to.introspect("default", id, secret, tok); in["active"] != true {
			t.Fatalf("node %d rejects node %d's token: %v", to.Port, from.Port, in)
		}
	}
}
