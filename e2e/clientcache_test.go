package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// tokenStatus asks n for a client_credentials token and returns the status.
func tokenStatus(t *testing.T, n *node, id, secret string) int {
	t.Helper()
	return postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(id, secret)).Status
}

// refusedSoon waits for n to refuse the client's tokens: nodes cache
// clients, and a change made elsewhere must reach them within a second
// (ten allowed here, for a loaded machine running -race binaries).
func refusedSoon(t *testing.T, n *node, what, id, secret string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status := tokenStatus(t, n, id, secret)
		if status == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d still answers %d for a client %s", n.Port, status, what)
		}
	}
}

// cached has n answer the client until it serves it from its client
// cache: a token request that costs no statement (the node's own reads of
// its change counter may fall between two samples: those are tried again).
func cached(t *testing.T, n *node, id, secret string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		before := n.metricSum("registrar_store_statements_total")
		if s := tokenStatus(t, n, id, secret); s != http.StatusOK {
			t.Fatalf("token on node %d: %d", n.Port, s)
		}
		if n.metricSum("registrar_store_statements_total") == before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d reads the database for every token request of a client", n.Port)
		}
	}
}

// TestCLIDeleteReachesAServingNode: a client the CLI deletes, from another
// process on the same SQLite file, gets no more tokens from a node that
// had it cached.
func TestCLIDeleteReachesAServingNode(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.createClient("default", "--grant-type", "client_credentials", "--scope", "dcr")
	cached(t, n, id, secret)
	n.mustCLI("client", "delete", "--workspace", "default", id)
	refusedSoon(t, n, "the CLI deleted", id, secret)
}

// TestClientDeleteReachesEveryNode: a client deleted through RFC 7592 on
// one node is refused by that node at once and by the other, which had it
// cached, within the cache's bound.
func TestClientDeleteReachesEveryNode(t *testing.T) {
	a, b := postgresNodes(t, "")
	reg := a.mustRegister("default", a.iat("default", 1), `{"grant_types":["client_credentials"]}`)
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	cached(t, a, id, secret)
	cached(t, b, id, secret)
	uri := strings.Replace(reg["registration_client_uri"].(string), "https://id.example.test", a.Base, 1)
	if r := send(t, http.MethodDelete, uri, reg["registration_access_token"].(string), ""); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	if s := tokenStatus(t, a, id, secret); s != http.StatusUnauthorized {
		t.Fatalf("the node that deleted the client answers %d for it right after; want 401", s)
	}
	refusedSoon(t, b, "another node deleted", id, secret)
}
