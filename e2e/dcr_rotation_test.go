package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// rotateOnRead is a workspace whose RFC 7592 GET rotates the registration
// access token.
const rotateOnRead = "workspaces:\n  - name: default\n    registration:\n      rotate_registration_token: on_read_and_update\n"

// registered is a client registered through DCR: its URL and token.
type registered struct{ uri, rat string }

func (n *node) registerManaged(iat string) registered {
	n.t.Helper()
	reg := n.mustRegister("default", iat, `{"grant_types":["client_credentials"]}`)
	return registered{reg["registration_client_uri"].(string), reg["registration_access_token"].(string)}
}

// rotated is the token a 200 GET or PUT answered; it fails the test on any
// other status.
func rotated(t testing.TB, what string, r response) string {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", what, r.Status, r.Body)
	}
	rat, _ := r.JSON(t)["registration_access_token"].(string)
	if rat == "" {
		t.Fatalf("%s answered no registration access token: %s", what, r.Body)
	}
	return rat
}

// TestDCRHeadDoesNotRotate: HEAD is safe (RFC 9110 §9.2.1). On a client
// URL it is answered as GET would be, status and headers without content,
// but it rotates nothing even where GET rotates: the token it was sent
// with is still the current one after it, so a DELETE, which only the
// current token may make, succeeds with it.
func TestDCRHeadDoesNotRotate(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: rotateOnRead})
	c := n.registerManaged(n.iat("default", 1))
	for range 2 {
		r := send(t, http.MethodHead, c.uri, c.rat, "")
		if r.Status != 200 || len(r.Body) != 0 || r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("HEAD: %d %v %q", r.Status, r.Header, r.Body)
		}
	}
	if r := send(t, http.MethodHead, c.uri, "wrong", ""); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("HEAD with a wrong token: %d %v", r.Status, r.Header)
	}
	if r := send(t, http.MethodDelete, c.uri, c.rat, ""); r.Status != 204 {
		t.Fatalf("DELETE with the token HEAD was sent with: %d %s", r.Status, r.Body)
	}
	var heads []string
	for _, e := range n.auditSince("default", 1, c.rat) {
		heads = append(heads, e["action"].(string)+" "+e["outcome"].(string))
	}
	if got := strings.Join(heads, ", "); got != "head accepted, head accepted, head denied, delete accepted" {
		t.Fatalf("audit events: %s", got)
	}
}

// TestDCRDeleteRacesRotatingRead: a GET that rotates the token and a
// DELETE sent at the same moment with the same token never both succeed:
// the DELETE acts only on the client whose token it checked. Whichever
// wins, the state agrees with what was answered.
func TestDCRDeleteRacesRotatingRead(t *testing.T) {
	// 40 rounds of several requests each: more than the rate limits let
	// one caller send in a minute.
	n := startNode(t, nodeOpts{YAML: unlimited + rotateOnRead})
	checkDeleteRacesRotatingRead(t, n, n)
}

// TestDCRDeleteRacesRotatingReadAcrossNodes: the same race with the GET
// sent to one node and the DELETE to another over one PostgreSQL database,
// where no process serialises the two.
func TestDCRDeleteRacesRotatingReadAcrossNodes(t *testing.T) {
	a, b := postgresNodes(t, unlimited+rotateOnRead)
	checkDeleteRacesRotatingRead(t, a, b)
}

// checkDeleteRacesRotatingRead registers clients through reader and races,
// for each, a GET at reader against a DELETE at deleter with its token.
func checkDeleteRacesRotatingRead(t *testing.T, reader, deleter *node) {
	const rounds = 40
	iat := reader.iat("default", rounds)
	at := func(n *node, uri string) string {
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		return n.Base + u.Path
	}
	wins := map[string]int{}
	for i := range rounds {
		c := reader.registerManaged(iat)
		var read, del response
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, call := range []struct {
			method, uri string
			out         *response
		}{{http.MethodGet, at(reader, c.uri), &read}, {http.MethodDelete, at(deleter, c.uri), &del}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				*call.out = send(t, call.method, call.uri, c.rat, "")
			}()
		}
		close(start)
		wg.Wait()
		switch {
		case read.Status == 200 && del.Status == 204:
			t.Fatalf("round %d: a rotating GET and a DELETE with one token both succeeded", i)
		case read.Status == 200 && del.Status == 401:
			wins["read"]++
			// The client is still there and the new token manages it.
			if r := send(t, http.MethodDelete, at(deleter, c.uri), rotated(t, "the winning GET", read), ""); r.Status != 204 {
				t.Fatalf("round %d: DELETE with the token the winning GET answered: %d %s", i, r.Status, r.Body)
			}
		case del.Status == 204 && read.Status == 401:
			wins["delete"]++
		default:
			t.Fatalf("round %d: GET %d %s, DELETE %d %s", i, read.Status, read.Body, del.Status, del.Body)
		}
	}
	t.Logf("wins over %d rounds: %v", rounds, wins)
}

// TestDCRLostRotationAnswer: a rotation commits before its answer is
// sent, so an answer lost on the way must not cost the client its
// management. The token a rotation replaced still rotates for 10 minutes,
// until the token the rotation answered is first used: a retry with it
// answers a third token and ends the one that was lost; using the third
// ends the old one. The old token does nothing but rotate (no DELETE).
func TestDCRLostRotationAnswer(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: rotateOnRead})
	c := n.registerManaged(n.iat("default", 1))
	before := len(n.auditEvents("default"))
	lost := rotated(t, "the first GET", send(t, http.MethodGet, c.uri, c.rat, ""))
	retried := rotated(t, "a GET with the old token again", send(t, http.MethodGet, c.uri, c.rat, ""))
	if retried == lost {
		t.Fatal("the retry answered the lost token again")
	}
	if r := send(t, http.MethodGet, c.uri, lost, ""); r.Status != 401 {
		t.Fatalf("the lost token still works after the retry: %d; audit %v", r.Status, n.auditedSince("default", before))
	}
	wantError(t, send(t, http.MethodDelete, c.uri, c.rat, ""), 401, "invalid_token", "rotation")
	next := rotated(t, "a GET with the retry's token", send(t, http.MethodGet, c.uri, retried, ""))
	wantError(t, send(t, http.MethodGet, c.uri, c.rat, ""), 401, "invalid_token")
	if r := send(t, http.MethodDelete, c.uri, next, ""); r.Status != 204 {
		t.Fatalf("DELETE with the current token: %d %s", r.Status, r.Body)
	}
	got := n.auditedSince("default", before, c.rat, lost, retried, next)
	want := []auditKey{
		{"read", "accepted", "registration_access_token"},
		{"read", "accepted", "registration_access_token:previous"},
		{"read", "denied", "unmatched_bearer"},
		{"delete", "denied", "registration_access_token:previous"},
		{"read", "accepted", "registration_access_token"},
		{"read", "denied", "unmatched_bearer"},
		{"delete", "accepted", "registration_access_token"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit events\n got %v\nwant %v", got, want)
	}
}
