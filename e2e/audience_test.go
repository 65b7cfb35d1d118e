package e2e

import (
	"net/url"
	"testing"
)

// audienceAPI is a resource other than Registrar that tokens may be asked for.
const audienceAPI = "https://api.example.com"

// TestOwnEndpointsRefuseForeignAudience: userinfo and registration are
// endpoints where Registrar itself is the resource, so they accept only
// access tokens whose aud includes the issuer (RFC 9068 §4, RFC 8707 §2),
// which a token asked for no resource has. A token asked for another API
// is refused: at userinfo with 401 invalid_token and a challenge (RFC 6750
// §3.1), at registration as an unknown bearer, registering nothing.
func TestOwnEndpointsRefuseForeignAudience(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    resources: ["+audienceAPI+"]\n")
	n := f.n
	userinfo := n.Base + "/default/oauth2/userinfo"

	foreign := f.mustTokens(t, url.Values{"resource": {audienceAPI}}, audienceAPI)["access_token"].(string)
	if aud := jwtAudience(t, foreign); len(aud) != 1 || aud[0] != audienceAPI {
		t.Fatalf("the token asked for %s has aud %v", audienceAPI, aud)
	}
	r := get(t, userinfo, "Authorization", "Bearer "+foreign)
	wantError(t, r, 401, "invalid_token", "another resource")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("userinfo refused a foreign-audience token without a WWW-Authenticate challenge")
	}
	own := f.mustTokens(t, nil)["access_token"].(string)
	if r := get(t, userinfo, "Authorization", "Bearer "+own); r.Status != 200 {
		t.Fatalf("userinfo with a token asked for no resource: %d %s", r.Status, r.Body)
	}

	id, secret := n.bootstrap()
	token := n.Base + "/default/oauth2/token"
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"dcr"}, "resource": {audienceAPI}}
	tr := postForm(t, token, form, "Authorization", basicAuth(id, secret))
	if tr.Status != 200 {
		t.Fatalf("a dcr token for %s: %d %s", audienceAPI, tr.Status, tr.Body)
	}
	clients := n.clientCount("default")
	body := `{"grant_types":["client_credentials"]}`
	wantError(t, n.register("default", tr.JSON(t)["access_token"].(string), body), 401, "invalid_token", "invalid")
	if got := n.clientCount("default"); got != clients {
		t.Fatalf("a refused registration stored a client: %d clients, had %d", got, clients)
	}
	n.mustRegister("default", n.clientCredentials("default", id, secret, "dcr")["access_token"].(string), body)
}
