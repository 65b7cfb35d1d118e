package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestRepeatedAuthorizationHeader: a request carries one credential (RFC
// 9110 §11.6.2), so two Authorization headers are 400 invalid_request
// (RFC 6750 §3.1) at every endpoint that reads the header, whichever of a
// good and a bad credential comes first: "the first wins" would let
// whoever can add a header choose which one counts.
func TestRepeatedAuthorizationHeader(t *testing.T) {
	f := newFlowFixture(t, "")
	n := f.n
	id, secret := n.bootstrap()
	goodBasic, badBasic := basicAuth(id, secret), basicAuth(id, "wrong")
	at := f.mustTokens(t, nil)["access_token"].(string)
	rat := "Bearer " + f.secretClient["registration_access_token"].(string)
	iat := "Bearer " + n.iat("default", 10)
	before := n.clientCount("default")

	form := func(path, body string) func([]string) response {
		return func(auth []string) response {
			return sendAuth(t, http.MethodPost, n.Base+"/default/oauth2/"+path, "application/x-www-form-urlencoded", body, auth)
		}
	}
	cases := []struct {
		name      string
		good, bad string
		send      func([]string) response
	}{
		{"token", goodBasic, badBasic, form("token", "grant_type=client_credentials&scope=dcr")},
		{"introspect", goodBasic, badBasic, form("introspect", "token=x")},
		{"revoke", goodBasic, badBasic, form("revoke", "token=x")},
		{"userinfo", "Bearer " + at, "Bearer nope", func(auth []string) response {
			return sendAuth(t, http.MethodGet, n.Base+"/default/oauth2/userinfo", "", "", auth)
		}},
		{"register", iat, "Bearer nope", func(auth []string) response {
			return sendAuth(t, http.MethodPost, n.Base+"/default/oauth2/register", "application/json", `{"grant_types":["client_credentials"]}`, auth)
		}},
		{"RFC 7592 read", rat, "Bearer nope", func(auth []string) response {
			return sendAuth(t, http.MethodGet, f.secretClient["registration_client_uri"].(string), "", "", auth)
		}},
	}
	for _, tc := range cases {
		for order, auth := range map[string][]string{"good then bad": {tc.good, tc.bad}, "bad then good": {tc.bad, tc.good}} {
			if r := tc.send(auth); r.Status != 400 || r.JSON(t)["error"] != "invalid_request" {
				t.Errorf("%s, %s: %d %s; want 400 invalid_request", tc.name, order, r.Status, r.Body)
			}
		}
		if r := tc.send([]string{tc.good}); r.Status >= 300 {
			t.Errorf("%s with the good credential alone: %d %s", tc.name, r.Status, r.Body)
		}
	}
	if got := n.clientCount("default"); got != before+1 {
		t.Errorf("%d clients; want %d (only the registration with one header)", got, before+1)
	}
}

// sendAuth makes one request with every value of auth as its own
// Authorization header line.
func sendAuth(t testing.TB, method, u, contentType, body string, auth []string) response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header["Authorization"] = auth
	return do(t, req)
}
