package e2e

import (
	"strconv"
	"testing"
)

const ccBody = `{"grant_types":["client_credentials"]}`

// unlimited turns off the rate limits and audit sampling, for tests that
// probe one node with many requests and check every one is audited.
const unlimited = "registration_rate_limit: {per_address: 0, per_token: 0}\naudit: {denials_per_minute: 0}\n"

// registerFrom registers in ws with bearer as the caller at addr (through
// a trusted proxy's X-Forwarded-For).
func (n *node) registerFrom(addr, bearer string) response {
	n.t.Helper()
	return post(n.t, n.Base+"/default/oauth2/register", "application/json", ccBody,
		"Authorization", "Bearer "+bearer, "X-Forwarded-For", addr)
}

// wantSlowDown checks a rate-limited answer: RFC 6585's 429 with a
// Retry-After of whole seconds, and the OAuth error JSON.
func wantSlowDown(t testing.TB, r response) {
	t.Helper()
	wantError(t, r, 429, "slow_down")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After %q, want 1-60 seconds", r.Header.Get("Retry-After"))
	}
}

// TestRegistrationRateLimits: one token's burst is refused past the
// per-token limit while another token from the same address goes on; one
// address's burst is refused past the per-address limit while another
// address goes on; refused requests are not audited and spend nothing.
func TestRegistrationRateLimits(t *testing.T) {
	n := startNode(t, nodeOpts{
		YAML: "registration_rate_limit:\n  per_address: 5\n  per_token: 3\n",
		Args: []string{"--trusted-proxies", "127.0.0.1"},
	})
	tok1, tok2 := n.iat("default", 100), n.iat("default", 100)
	const a, b = "198.51.100.1", "198.51.100.2"
	for i := range 3 {
		if r := n.registerFrom(a, tok1); r.Status != 201 {
			t.Fatalf("registration %d within the limits: %d %s", i+1, r.Status, r.Body)
		}
	}
	wantSlowDown(t, n.registerFrom(a, tok1)) // tok1's 4th: per token
	for i := range 2 {
		if r := n.registerFrom(a, tok2); r.Status != 201 {
			t.Fatalf("another token from the same address (%d): %d %s", i+1, r.Status, r.Body)
		}
	}
	wantSlowDown(t, n.registerFrom(a, tok2)) // a's 6th: per address
	if r := n.registerFrom(b, tok2); r.Status != 201 {
		t.Fatalf("another address: %d %s", r.Status, r.Body)
	}
	wantSlowDown(t, n.registerFrom(b, tok1)) // tok1 is limited from any address
	if got := len(n.auditEvents("default")); got != 6 {
		t.Errorf("%d audit events, want the 6 registrations only", got)
	}
	if got := n.clientCount("default"); got != 7 {
		t.Errorf("%d clients, want the bootstrap client and 6", got)
	}
}

// TestRegistrationRateLimitOnByDefault: with nothing configured, the 21st
// request a minute from one address is refused, and of its refusals only
// the first ten are audited one by one.
func TestRegistrationRateLimitOnByDefault(t *testing.T) {
	n := startNode(t, nodeOpts{})
	for i := range 20 {
		if r := n.register("default", "", ccBody); r.Status != 401 {
			t.Fatalf("request %d: %d %s, want the 401 of a missing token", i+1, r.Status, r.Body)
		}
	}
	wantSlowDown(t, n.register("default", "", ccBody))
	if got := len(n.auditEvents("default")); got != 10 {
		t.Errorf("%d refusals audited, want 10", got)
	}
}

// TestClientQuota: past registration.max_clients a registration is
// refused 403 access_denied, storing nothing and spending no use of the
// initial access token. Operator-made clients (the bootstrap client) count.
func TestClientQuota(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    registration:\n      max_clients: 3\n"})
	tok := n.iat("default", 5)
	for range 2 {
		n.mustRegister("default", tok, ccBody)
	}
	wantError(t, n.register("default", tok, ccBody), 403, "access_denied", "maximum of 3 clients")
	if got := n.clientCount("default"); got != 3 {
		t.Errorf("%d clients, want 3", got)
	}
	for _, it := range n.iatList() {
		if it["uses"] != float64(2) {
			t.Errorf("the refused registration spent a use: %v", it)
		}
	}
}

// TestFirstTokenIsRecorded: a client's first token is recorded, which is
// what keeps it from expiring as unused (registration.unused_client_ttl).
func TestFirstTokenIsRecorded(t *testing.T) {
	n := startNode(t, nodeOpts{})
	c := n.mustRegister("default", n.iat("default", 1), ccBody)
	id := c["client_id"].(string)
	if got := n.clientGet(id); got["first_token_at"] != nil {
		t.Fatalf("a new client has a first token: %v", got["first_token_at"])
	}
	n.clientCredentials("default", id, c["client_secret"].(string), "")
	if got := n.clientGet(id); got["first_token_at"] == nil {
		t.Fatal("the first token was not recorded")
	}
}
