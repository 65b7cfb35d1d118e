package e2e

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// adminAPI is the admin API of a node, called with one admin token.
type adminAPI struct {
	n     *node
	token string
}

func (a adminAPI) call(method, path, body string) response {
	a.n.t.Helper()
	return send(a.n.t, method, a.n.Base+"/admin/api/v1"+path, a.token, body)
}

// ok calls and fails the test unless the status is want; it returns the
// JSON object answered (nil for no body).
func (a adminAPI) ok(want int, method, path, body string) map[string]any {
	a.n.t.Helper()
	r := a.call(method, path, body)
	if r.Status != want {
		a.n.t.Fatalf("%s %s: %d %s; want %d", method, path, r.Status, r.Body, want)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(a.n.t)
}

// ids lists the ids of a list answer's items (client_id or id).
func ids(page map[string]any) []string {
	var out []string
	items, _ := page["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		if id, ok := m["client_id"].(string); ok {
			out = append(out, id)
		} else {
			out = append(out, m["id"].(string))
		}
	}
	return out
}

// envAdminToken is a REGISTRAR_ADMIN_TOKEN long enough to be taken.
const envAdminToken = "automation-token-value-0123456789abcdef"

const adminYAML = `workspaces:
  - name: cloud
    scopes: [openid, dcr_register]
    registration:
      enabled: true
      mode: initial_access_token
      scope: dcr_register
      registration_token_ttl: 3600
      grant_types: [client_credentials]
      auth_methods: [client_secret_basic]
`

func TestAdminAPI(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: adminYAML, Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}})

	var created map[string]any
	if err := json.Unmarshal([]byte(n.mustCLI("admin", "token", "create", "--name", "ops", "--expires", "90d", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "token", "expires_at"} {
		if created[k] == nil || created[k] == "" {
			t.Fatalf("admin token create --json lacks %s: %v", k, created)
		}
	}
	api := adminAPI{n, created["token"].(string)}
	if out, err := n.cli("admin", "token", "create", "--name", "ops"); err == nil || !strings.Contains(out, `an active admin token is named "ops"`) {
		t.Fatalf("a second active token named ops: %v\n%s", err, out)
	}
	n.mustCLI("admin", "token", "create", "--name", "weekly", "--expires", "2w")
	if out := n.mustCLI("admin", "token", "list", "--json"); strings.Contains(out, api.token) || !strings.Contains(out, `"ops"`) {
		t.Fatalf("admin token list shows a value, or not the token: %s", out)
	}

	t.Run("authentication", func(t *testing.T) {
		for _, tc := range []struct{ name, token string }{{"none", ""}, {"wrong", "not-a-token"}} {
			r := send(t, "GET", n.Base+"/admin/api/v1/workspaces", tc.token, "")
			wantError(t, r, 401, "invalid_token")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("%s: no Bearer challenge: %v", tc.name, r.Header)
			}
		}
		if !strings.Contains(n.Stderr.String()+n.Stdout.String(), "refused admin token") {
			t.Fatal("a refused admin token is not logged")
		}
		env := adminAPI{n, envAdminToken}
		ws := env.ok(200, "GET", "/workspaces", "")
		if got := ids2(ws, "name"); !strings.Contains(got, "cloud") || !strings.Contains(got, "default") {
			t.Fatalf("workspaces: %v", ws)
		}
		if r := get(t, n.Base+"/admin/api/v1/openapi.json"); r.Status != 200 || r.JSON(t)["openapi"] != "3.1.0" {
			t.Fatalf("openapi.json: %d %s", r.Status, r.Body)
		}
	})

	// A DCR client with a software_id, and an operator's.
	reg := n.mustRegister("cloud", n.iat("cloud", 1), `{"grant_types":["client_credentials"],"client_name":"Acme Robot","software_id":"sw-acme"}`)
	dcrID, dcrSecret := reg["client_id"].(string), reg["client_secret"].(string)
	rat, ratURI := reg["registration_access_token"].(string), reg["registration_client_uri"].(string)
	opID, _ := n.createClient("cloud", "--name", "Billing")

	t.Run("client list filters and paging", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{opID, dcrID}},
			{"registered_via=dcr", []string{dcrID}},
			{"registered_via=operator", []string{opID}},
			{"software_id=sw-acme", []string{dcrID}},
			{"q=ACME", []string{dcrID}},
			{"q=" + strings.ToUpper(opID[len(opID)-6:]), []string{opID}},
			{"created_after=2999-01-01T00:00:00Z", nil},
		} {
			page := api.ok(200, "GET", "/workspaces/cloud/clients?"+tc.query, "")
			if got := ids(page); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("?%s: got %v, want %v", tc.query, got, tc.want)
			}
			if _, ok := page["next_cursor"]; ok {
				t.Fatalf("?%s: a last page has a next_cursor: %v", tc.query, page)
			}
		}
		first := api.ok(200, "GET", "/workspaces/cloud/clients?limit=1", "")
		cursor, _ := first["next_cursor"].(string)
		if cursor == "" || strings.Join(ids(first), ",") != opID {
			t.Fatalf("first page: %v", first)
		}
		second := api.ok(200, "GET", "/workspaces/cloud/clients?limit=1&cursor="+url.QueryEscape(cursor), "")
		if strings.Join(ids(second), ",") != dcrID {
			t.Fatalf("second page: %v", second)
		}
		if _, ok := second["next_cursor"]; ok {
			t.Fatalf("the last page, as full as the limit, has a next_cursor: %v", second)
		}
		if second["items"].([]any)[0].(map[string]any)["registered_via"] != "dcr" {
			t.Fatalf("the DCR client is not labelled dcr: %v", second)
		}
		for _, q := range []string{"cursor=garbage", "cursor=bm9wZQ", "limit=0", "limit=-1", "limit=x", "limit=100000", "registered_via=fax", "created_after=yesterday", "sort=name", "q=a&q=b"} {
			wantError(t, api.call("GET", "/workspaces/cloud/clients?"+q, ""), 400, "invalid_request")
		}
		wantError(t, api.call("GET", "/workspaces/nowhere/clients", ""), 404, "not_found")
	})

	t.Run("another workspace's client is not found", func(t *testing.T) {
		wantError(t, api.call("GET", "/workspaces/default/clients/"+dcrID, ""), 404, "not_found")
		wantError(t, api.call("POST", "/workspaces/default/clients/"+dcrID+"/disable", ""), 404, "not_found")
		wantError(t, api.call("DELETE", "/workspaces/default/clients/"+dcrID, ""), 404, "not_found")
	})

	t.Run("disable and enable", func(t *testing.T) {
		n.clientCredentials("cloud", dcrID, dcrSecret, "")
		if c := api.ok(200, "POST", "/workspaces/cloud/clients/"+dcrID+"/disable", ""); c["disabled"] != true {
			t.Fatalf("disable: %v", c)
		}
		r := postForm(t, n.Base+"/cloud/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(dcrID, dcrSecret))
		wantError(t, r, 401, "invalid_client", "disabled")
		wantError(t, get(t, ratURI, "Authorization", "Bearer "+rat), 401, "invalid_token", "disabled")
		api.ok(200, "POST", "/workspaces/cloud/clients/"+dcrID+"/enable", "")
		n.clientCredentials("cloud", dcrID, dcrSecret, "")
		audit := api.ok(200, "GET", "/workspaces/cloud/audit?type=admin.client.disable&client_id="+dcrID, "")
		items := audit["items"].([]any)
		event, _ := items[0].(map[string]any)
		if len(items) != 1 || event["credential"] != "admin:ops#"+created["id"].(string) || event["remote_addr"] != "127.0.0.1" {
			t.Fatalf("the disable is not audited under the token's name and id, from the caller's address: %v", audit)
		}
	})

	t.Run("a disabled client's access tokens stop authorizing registrations", func(t *testing.T) {
		for _, format := range []string{"jwt", "opaque"} {
			ws := "reg-" + format
			api.ok(201, "POST", "/workspaces", `{"name":"`+ws+`","settings":{"access_token_format":"`+format+`","registration":{"token_use":"until_expiry"}}}`)
			c := api.ok(201, "POST", "/workspaces/"+ws+"/clients", `{"grant_types":["client_credentials"],"scope":"dcr"}`)
			id, secret := c["client_id"].(string), c["client_secret"].(string)
			token := n.clientCredentials(ws, id, secret, "dcr")["access_token"].(string)
			n.mustRegister(ws, token, `{"grant_types":["client_credentials"]}`)
			api.ok(200, "POST", "/workspaces/"+ws+"/clients/"+id+"/disable", "")
			if r := n.register(ws, token, `{"grant_types":["client_credentials"]}`); r.Status != 401 {
				t.Fatalf("%s: a disabled client's token registered: %d %s", format, r.Status, r.Body)
			}
			api.ok(200, "POST", "/workspaces/"+ws+"/clients/"+id+"/enable", "")
			n.mustRegister(ws, token, `{"grant_types":["client_credentials"]}`)
		}
	})

	t.Run("secret rotation and registration token reissue", func(t *testing.T) {
		rot := api.ok(200, "POST", "/workspaces/cloud/clients/"+dcrID+"/secret", "")
		fresh := rot["client_secret"].(string)
		r := postForm(t, n.Base+"/cloud/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(dcrID, dcrSecret))
		wantError(t, r, 401, "invalid_client")
		n.clientCredentials("cloud", dcrID, fresh, "")
		re := api.ok(200, "POST", "/workspaces/cloud/clients/"+dcrID+"/registration-access-token", "")
		if get(t, ratURI, "Authorization", "Bearer "+re["registration_access_token"].(string)).Status != 200 {
			t.Fatal("the reissued registration access token does not read the client")
		}
		wantError(t, api.call("POST", "/workspaces/cloud/clients/"+opID+"/registration-access-token", ""), 409, "conflict")
	})

	t.Run("update", func(t *testing.T) {
		c := api.ok(200, "PUT", "/workspaces/cloud/clients/"+opID, `{"client_name":"Billing v2","grant_types":["client_credentials"]}`)
		if c["client_name"] != "Billing v2" {
			t.Fatalf("update: %v", c)
		}
		wantError(t, api.call("PUT", "/workspaces/cloud/clients/"+opID, `{"grant_types":["password"]}`), 400, "invalid_client_metadata")
		wantError(t, api.call("PUT", "/workspaces/cloud/clients/"+opID, `not json`), 400, "invalid_request")
		// Stricter than DCR: a typo is named, not dropped; a GET's answer
		// may come back as it is.
		wantError(t, api.call("PUT", "/workspaces/cloud/clients/"+opID, `{"client_nmae":"x","grant_types":["client_credentials"]}`), 400, "invalid_client_metadata", "client_nmae")
		wantError(t, api.call("PUT", "/workspaces/cloud/clients/"+opID, `{"client_id":"other","grant_types":["client_credentials"]}`), 400, "invalid_request", "differs from the path")
		wantError(t, api.call("PUT", "/workspaces/cloud/clients/"+opID, `{"client_secret":"mine","grant_types":["client_credentials"]}`), 400, "invalid_request", "/secret")
		wantError(t, api.call("POST", "/workspaces/cloud/clients", `{"client_id":"mine","grant_types":["client_credentials"]}`), 400, "invalid_request", "assigned by the server")
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		api.ok(200, "PUT", "/workspaces/cloud/clients/"+opID, string(again))
		if !regexp.MustCompile(`msg=request request_id=\S+ method=PUT path=/admin/api/v1/workspaces/cloud/clients/` + opID + ` status=200 .*client_id=` + opID).MatchString(n.Stderr.String()) {
			t.Errorf("no access line with the client's id:\n%s", n.Stderr.String())
		}
	})

	t.Run("workspace settings", func(t *testing.T) {
		wantError(t, api.call("PATCH", "/workspaces/cloud", `{"registration":{"mode":"open"}}`), 409, "conflict", "registration.mode")
		ws := api.ok(200, "PATCH", "/workspaces/default", `{"cors_origins":["https://console.example"]}`)
		if !strings.Contains(string(mustJSON(t, ws)), "https://console.example") {
			t.Fatalf("patch not applied: %v", ws)
		}
		if got := api.ok(200, "GET", "/workspaces/default", ""); !strings.Contains(string(mustJSON(t, got)), "https://console.example") {
			t.Fatalf("patch not kept: %v", got)
		}
		wantError(t, api.call("PATCH", "/workspaces/default", `{"bogus":1}`), 400, "invalid_request", "bogus")
		wantError(t, api.call("PATCH", "/workspaces/default", `{"access_token_ttl":-5}`), 400, "invalid_request", "access_token_ttl")
		wantError(t, api.call("GET", "/workspaces/nowhere", ""), 404, "not_found")

		// A workspace made through the API is the API's to change.
		made := api.ok(201, "POST", "/workspaces", `{"name":"team-x","settings":{"scopes":["openid","dcr","reports"]}}`)
		if made["yaml_owned"] != false || !strings.Contains(string(mustJSON(t, made)), "reports") {
			t.Fatalf("created: %v", made)
		}
		api.ok(200, "PATCH", "/workspaces/team-x", `{"registration":{"enabled":true,"mode":"open"}}`)
		if r := get(t, n.Base+"/team-x/.well-known/openid-configuration"); r.Status != 200 {
			t.Fatalf("the new workspace is not served: %d %s", r.Status, r.Body)
		}
		if r := get(t, n.Base+"/team-x/.well-known/jwks.json"); r.Status != 200 || !strings.Contains(string(r.Body), "kid") {
			t.Fatalf("the new workspace has no keys: %d %s", r.Status, r.Body)
		}
		wantError(t, api.call("POST", "/workspaces", `{"name":"team-x"}`), 409, "conflict")
		wantError(t, api.call("POST", "/workspaces", `{"name":"cloud"}`), 409, "conflict", "YAML")
		wantError(t, api.call("POST", "/workspaces", `{"name":"admin"}`), 400, "invalid_request", "reserved")
		wantError(t, api.call("POST", "/workspaces", `{"name":"Bad Name"}`), 400, "invalid_request")
		wantError(t, api.call("POST", "/workspaces", `{"name":"team-y","settings":{"access_token_format":"paper"}}`), 400, "invalid_request", "access_token_format")
	})

	t.Run("initial access tokens", func(t *testing.T) {
		iat := api.ok(201, "POST", "/workspaces/cloud/initial-access-tokens", `{"uses":2,"expires_in":3600}`)
		for _, k := range []string{"id", "token", "uses", "max_uses", "expires_at"} {
			if iat[k] == nil {
				t.Fatalf("created token lacks %s: %v", k, iat)
			}
		}
		if iat["uses"] != 2.0 || iat["max_uses"] != 2.0 {
			t.Fatalf("uses and max_uses of a new token are its maximum: %v", iat)
		}
		listed := api.ok(200, "GET", "/workspaces/cloud/initial-access-tokens", "")["items"].([]any)[0].(map[string]any)
		if listed["uses"] != 0.0 || listed["max_uses"] != 2.0 {
			t.Fatalf("a listed token's uses are those made, max_uses its maximum: %v", listed)
		}
		weekly := api.ok(201, "POST", "/workspaces/cloud/initial-access-tokens", `{"uses":1,"expires_in":"2w"}`)
		if at, _ := time.Parse(time.RFC3339, weekly["expires_at"].(string)); at.Sub(n.now()) < 13*24*time.Hour {
			t.Fatalf("expires_in 2w: %v", weekly)
		}
		api.ok(204, "DELETE", "/workspaces/cloud/initial-access-tokens/"+weekly["id"].(string), "")
		r := api.call("POST", "/workspaces/cloud/initial-access-tokens", `{"uses":"one","expires_in":"soon"}`)
		wantError(t, r, 400, "invalid_request")
		if strings.Contains(string(r.Body), "Go struct") || strings.Contains(string(r.Body), "newIAT") {
			t.Fatalf("Go's words to an API caller: %s", r.Body)
		}
		list := api.call("GET", "/workspaces/cloud/initial-access-tokens", "")
		if list.Status != 200 || strings.Contains(string(list.Body), iat["token"].(string)) || !strings.Contains(string(list.Body), iat["id"].(string)) {
			t.Fatalf("list: %d %s", list.Status, list.Body)
		}
		api.ok(204, "DELETE", "/workspaces/cloud/initial-access-tokens/"+iat["id"].(string), "")
		if r := n.register("cloud", iat["token"].(string), `{"grant_types":["client_credentials"]}`); r.Status != 401 {
			t.Fatalf("a revoked token registered: %d %s", r.Status, r.Body)
		}
		wantError(t, api.call("POST", "/workspaces/cloud/initial-access-tokens", `{"uses":-1,"expires_in":60}`), 400, "invalid_request")
		wantError(t, api.call("POST", "/workspaces/cloud/initial-access-tokens", `{"uses":1}`), 400, "invalid_request", "expires_in")
		wantError(t, api.call("POST", "/workspaces/cloud/initial-access-tokens", `{"uses":1,"expires_in":60,"extra":true}`), 400, "invalid_request")
		wantError(t, api.call("DELETE", "/workspaces/cloud/initial-access-tokens/nope", ""), 404, "not_found")
	})

	t.Run("users", func(t *testing.T) {
		u := api.ok(201, "POST", "/workspaces/default/users", `{"username":"alice","password":"correct horse","email":"alice@example.com"}`)
		id := u["id"].(string)
		if page := api.ok(200, "GET", "/workspaces/default/users", ""); strings.Join(ids(page), ",") != id {
			t.Fatalf("users: %v", page)
		}
		api.ok(200, "GET", "/workspaces/default/users/"+id, "")
		api.ok(204, "POST", "/workspaces/default/users/"+id+"/password", `{"password":"battery staple"}`)
		wantError(t, api.call("POST", "/workspaces/default/users/"+id+"/password", `{"password":"short"}`), 400, "invalid_request")
		wantError(t, api.call("POST", "/workspaces/default/users", `{"username":"alice","password":"correct horse"}`), 409, "conflict")
		api.ok(204, "DELETE", "/workspaces/default/users/"+id, "")
		wantError(t, api.call("GET", "/workspaces/default/users/"+id, ""), 404, "not_found")
	})

	t.Run("keys", func(t *testing.T) {
		before := api.ok(200, "GET", "/workspaces/cloud/keys", "")
		api.ok(200, "POST", "/workspaces/cloud/keys", "")
		after := api.ok(200, "GET", "/workspaces/cloud/keys", "")
		if len(ids2list(after)) <= len(ids2list(before)) {
			t.Fatalf("rotation added no key: %v → %v", before, after)
		}
	})

	t.Run("audit paging", func(t *testing.T) {
		all := api.ok(200, "GET", "/workspaces/cloud/audit", "")
		first := api.ok(200, "GET", "/workspaces/cloud/audit?limit=2", "")
		second := api.ok(200, "GET", "/workspaces/cloud/audit?limit=2&cursor="+url.QueryEscape(first["next_cursor"].(string)), "")
		want := ids(all)
		if got := append(ids(first), ids(second)...); strings.Join(got, ",") != strings.Join(want[:4], ",") {
			t.Fatalf("pages %v, want %v", got, want[:4])
		}
		if got := ids(api.ok(200, "GET", "/workspaces/cloud/audit?until=2000-01-01T00:00:00Z", "")); len(got) != 0 {
			t.Fatalf("until in the past: %v", got)
		}
		wantError(t, api.call("GET", "/workspaces/cloud/audit?cursor=%%%", ""), 400, "invalid_request")
		wantError(t, api.call("GET", "/workspaces/cloud/audit?type=bogus", ""), 400, "invalid_request", "admin.client.disable")
		wantError(t, api.call("GET", "/workspaces/cloud/audit?limit=0", ""), 400, "invalid_request")
		wantError(t, api.call("GET", "/workspaces/cloud/audit?since=2020-01-02T00:00:00Z&until=2020-01-01T00:00:00Z", ""), 400, "invalid_request")
	})

	t.Run("delete", func(t *testing.T) {
		api.ok(204, "DELETE", "/workspaces/cloud/clients/"+opID, "")
		wantError(t, api.call("GET", "/workspaces/cloud/clients/"+opID, ""), 404, "not_found")
		wantError(t, api.call("GET", "/workspaces/cloud/nothing-here", ""), 404, "not_found")
		r := api.call("GET", "/workspaces/cloud/initial-access-tokens/x", "")
		wantError(t, r, 405, "invalid_request")
		if r.Header.Get("Allow") != "DELETE" {
			t.Fatalf("Allow: %q", r.Header.Get("Allow"))
		}
	})

	t.Run("revoked admin token", func(t *testing.T) {
		n.mustCLI("admin", "token", "revoke", created["id"].(string))
		wantError(t, api.call("GET", "/workspaces", ""), 401, "invalid_token")
	})
}

// TestAdminAPIThrottlesWrongTokens: an address presenting wrong tokens
// is slowed, while a right token from elsewhere is not concerned.
func TestAdminAPIThrottlesWrongTokens(t *testing.T) {
	n := startNode(t, nodeOpts{})
	var last response
	for i := 0; i < 12; i++ {
		last = send(t, "GET", n.Base+"/admin/api/v1/workspaces", "wrong", "")
	}
	wantError(t, last, 429, "too_many_requests")
	if last.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

// TestAdminAPIThrottlesParallelGuesses: a good token used by many calls
// at once is never throttled; once an address has presented a wrong
// token, wrong tokens sent at once from it are looked up no more often
// than what is left of the throttle's burst, as each check holds a
// failure while it runs.
func TestAdminAPIThrottlesParallelGuesses(t *testing.T) {
	n := startNode(t, nodeOpts{Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}})
	inParallel := func(token string, calls int) map[int]int {
		statuses := make(chan int, calls)
		var wg sync.WaitGroup
		for range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- send(t, "GET", n.Base+"/admin/api/v1/workspaces", token, "").Status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		return count
	}
	if got := inParallel(envAdminToken, 30); got[200] != 30 {
		t.Fatalf("30 calls at once with a good token: statuses %v", got)
	}
	if r := send(t, "GET", n.Base+"/admin/api/v1/workspaces", "wrong", ""); r.Status != 401 {
		t.Fatalf("a first wrong token: %d %s", r.Status, r.Body)
	}
	if looked := inParallel("wrong", 40)[401]; looked > 9 {
		t.Fatalf("%d of 40 parallel wrong tokens were looked up after a first failure; 9 of the burst of 10 were left", looked)
	}
}

// TestAdminEnvTokenTooShort: a REGISTRAR_ADMIN_TOKEN short enough to
// guess stops the start with a message saying how to make one.
func TestAdminEnvTokenTooShort(t *testing.T) {
	n := launchNode(t, nodeOpts{Env: []string{"REGISTRAR_ADMIN_TOKEN=x"}})
	if err := n.waitExit(30 * time.Second); err == nil {
		t.Fatal("serve started with a one-character admin token")
	}
	if out := n.Stderr.String(); !strings.Contains(out, "REGISTRAR_ADMIN_TOKEN is 1 characters long; it must have at least 32") {
		t.Fatalf("stderr: %s", out)
	}
}

// TestAdminAPIOffWithoutAdminRole: a node without the admin role has no
// admin API on its listener.
func TestAdminAPIOffWithoutAdminRole(t *testing.T) {
	n := startNode(t, nodeOpts{Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}, Args: []string{"--roles", "token"}})
	r := send(t, "GET", n.Base+"/admin/api/v1/workspaces", envAdminToken, "")
	if r.Status != 404 {
		t.Fatalf("admin API on a token node: %d %s", r.Status, r.Body)
	}
}

func ids2(page map[string]any, key string) string {
	var out []string
	for _, it := range ids2list(page) {
		out = append(out, it[key].(string))
	}
	return strings.Join(out, ",")
}

func ids2list(page map[string]any) []map[string]any {
	var out []map[string]any
	items, _ := page["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAdminTokenCLIOnAMissingStore: listing admin tokens and revoking
// one, run where there is no store, are refused, say where they looked
// and create nothing.
func TestAdminTokenCLIOnAMissingStore(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"admin", "token", "list", "--json"}, {"admin", "token", "revoke", "06h5"}} {
		out, err := runIn(t, dir, args...)
		if err == nil || !strings.Contains(out, "no store at sqlite:registrar.db") || !strings.Contains(out, "registrar init") {
			t.Fatalf("%v on no store: %v\n%s", args, err, out)
		}
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("the commands created %v", names)
	}
	if out, err := runIn(t, dir, "admin", "token", "create", "--expires", "soon"); err == nil || len(dirEntries(t, dir)) != 0 {
		t.Fatalf("a refused create: %v, created %v\n%s", err, dirEntries(t, dir), out)
	}
}

// TestAdminWorkspaceLaterInYAML: a workspace created through the API and
// then declared in the YAML is the file's: the start says so.
func TestAdminWorkspaceLaterInYAML(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, nodeOpts{Dir: dir, Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}})
	adminAPI{n, envAdminToken}.ok(201, "POST", "/workspaces", `{"name":"late"}`)
	n.stop()
	again := startNode(t, nodeOpts{Dir: dir, YAML: "workspaces:\n  - name: late\n"})
	again.stop()
	if !strings.Contains(again.Stderr.String(), `now declared in the YAML configuration, whose settings replace its own at every start; change them in the file" workspace=late`) {
		t.Fatalf("no warning at start:\n%s", again.Stderr.String())
	}
}
