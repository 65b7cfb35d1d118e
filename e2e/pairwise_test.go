package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
)

// pairwiseClient registers a confidential client with one redirect URI
// and the given subject_type, and returns the fixture acting as it.
func (f *flowFixture) pairwiseClient(iat, redirect, subjectType string) *flowFixture {
	f.n.t.Helper()
	reg := f.n.mustRegister("default", iat, fmt.Sprintf(`{"redirect_uris":[%q],"subject_type":%q,"scope":"openid profile"}`, redirect, subjectType))
	if reg["subject_type"] != subjectType {
		f.n.t.Fatalf("registered subject_type %v, want %s", reg["subject_type"], subjectType)
	}
	c := *f
	c.clientID, c.secret, c.redirect = reg["client_id"].(string), reg["client_secret"].(string), redirect
	return &c
}

// subjectSeen signs carol in to the client and returns the sub it is
// shown, after checking that its ID token, its JWT access token (when the
// workspace issues JWTs), userinfo and introspection all say the same
// (OIDC Core §5.3.2: userinfo's sub is the ID token's).
func (f *flowFixture) subjectSeen(t *testing.T, jwtAccessTokens bool) string {
	t.Helper()
	tok := f.mustTokens(t, url.Values{"scope": {"openid profile"}})
	at := tok["access_token"].(string)
	sub, _ := jwtClaims(t, tok["id_token"].(string))["sub"].(string)
	if sub == "" {
		t.Fatalf("ID token without sub: %v", tok)
	}
	seen := map[string]any{
		"userinfo":      f.userinfo(t, at)["sub"],
		"introspection": f.introspectAs(at)["sub"],
	}
	if jwtAccessTokens {
		seen["access token"] = jwtClaims(t, at)["sub"]
	}
	for where, got := range seen {
		if got != sub {
			t.Fatalf("client %s: the ID token says sub %s, the %s %v", f.clientID, sub, where, got)
		}
	}
	return sub
}

// localSub is carol's sub as the operator sees it, her local id.
func (n *node) localSub(t *testing.T) string {
	t.Helper()
	var users []map[string]any
	if out := n.mustCLI("user", "list", "--json"); json.Unmarshal([]byte(out), &users) != nil || len(users) != 1 {
		t.Fatalf("user list: %s", out)
	}
	return users[0]["sub"].(string)
}

// TestPairwiseSubjects: OIDC Core §8 through the real binary. Discovery
// offers both subject types; a public client is shown the user's local
// id; pairwise clients are shown a sub per sector — one for two clients
// on the same host, another for a client on another — that is neither
// the local id nor changed by a restart; every endpoint that names the
// user to a client names her alike.
func TestPairwiseSubjects(t *testing.T) {
	f := newFlowFixture(t, "")
	if got := fmt.Sprint(get(t, f.n.Base+"/default/.well-known/openid-configuration").JSON(t)["subject_types_supported"]); got != "[public pairwise]" {
		t.Fatalf("subject_types_supported = %s, want [public pairwise]", got)
	}
	iat := f.n.iat("default", 4)
	public := f.pairwiseClient(iat, "https://c.example/cb", "public")
	a1 := f.pairwiseClient(iat, "https://a.example/cb", "pairwise")
	a2 := f.pairwiseClient(iat, "https://a.example:8443/other", "pairwise")
	b := f.pairwiseClient(iat, "https://b.example/cb", "pairwise")

	local := f.n.localSub(t)
	if got := public.subjectSeen(t, true); got != local {
		t.Fatalf("a public client is shown sub %s, want the local id %s", got, local)
	}
	subA := a1.subjectSeen(t, true)
	if subA == local {
		t.Fatal("a pairwise client is shown the user's local id")
	}
	if got := a2.subjectSeen(t, true); got != subA {
		t.Fatalf("two pairwise clients of sector a.example are shown %s and %s; want one sub", subA, got)
	}
	subB := b.subjectSeen(t, true)
	if subB == subA || subB == local {
		t.Fatalf("the client of sector b.example is shown %s (a.example: %s, local: %s); want a sub of its own", subB, subA, local)
	}

	// The key comes from the master key, so a restart (or another node
	// with the same key) shows the same sub.
	f.n.stop()
	f.n = startNode(t, nodeOpts{Dir: f.n.Dir, Port: f.n.Port})
	a1.n, b.n = f.n, f.n
	if got := a1.subjectSeen(t, true); got != subA {
		t.Fatalf("after a restart the a.example client is shown %s, before %s", got, subA)
	}
	if got := b.subjectSeen(t, true); got != subB {
		t.Fatalf("after a restart the b.example client is shown %s, before %s", got, subB)
	}
}

// TestPairwiseSubjectsOpaqueTokens: with opaque access tokens, whose
// records hold the local id, introspection and userinfo still show a
// pairwise client the ID token's sub.
func TestPairwiseSubjectsOpaqueTokens(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    access_token_format: opaque\n")
	a := f.pairwiseClient(f.n.iat("default", 1), "https://a.example/cb", "pairwise")
	if sub := a.subjectSeen(t, false); sub == f.n.localSub(t) {
		t.Fatal("a pairwise client is shown the user's local id")
	}
}

// TestPairwiseRegistrationNeedsOneSector: OIDC Core §8.1 at the
// registration endpoint — redirect URIs on two hosts without a
// sector_identifier_uri, or no redirect URI at all, leave a pairwise
// client without a sector: 400 invalid_client_metadata naming the rule,
// and nothing registered.
func TestPairwiseRegistrationNeedsOneSector(t *testing.T) {
	n := startNode(t, nodeOpts{})
	iat := n.iat("default", 3)
	before := n.clientCount("default")
	for _, tc := range []struct{ name, body string }{
		{"two hosts", `{"subject_type":"pairwise","redirect_uris":["https://a.example/cb","https://b.example/cb"]}`},
		{"client_credentials only", `{"subject_type":"pairwise","grant_types":["client_credentials"]}`},
	} {
		wantError(t, n.register("default", iat, tc.body), 400, "invalid_client_metadata", "sector_identifier_uri")
	}
	if after := n.clientCount("default"); after != before {
		t.Fatalf("refused registrations left clients: %d before, %d after", before, after)
	}
}
