package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// auditRecorder reads a node's audit trail through the admin API (reads
// are not audited) to see what one change added to it.
type auditRecorder struct{ api adminAPI }

// events is the trail of ws as it is now, newest first; none before ws
// is created.
func (a auditRecorder) events(ws string) []map[string]any {
	a.api.n.t.Helper()
	path := "/workspaces/" + ws + "/audit?limit=500"
	if a.api.call("GET", path, "").Status == 404 {
		return nil
	}
	page := a.api.ok(200, "GET", path, "")
	if page["next_cursor"] != nil {
		a.api.n.t.Fatalf("the trail of %s outgrew one page", ws)
	}
	return ids2list(page)
}

// one runs change and fails t unless it added exactly one event to ws's
// trail: of type action, by credential, about clientID ("" to not check).
func (a auditRecorder) one(t *testing.T, ws, action, credential, clientID string, change func()) {
	t.Helper()
	before := map[string]bool{}
	for _, e := range a.events(ws) {
		before[e["id"].(string)] = true
	}
	change()
	var added []map[string]any
	for _, e := range a.events(ws) {
		if !before[e["id"].(string)] {
			added = append(added, e)
		}
	}
	if len(added) != 1 {
		t.Fatalf("%s wrote %d audit events, want one: %v", action, len(added), added)
	}
	e := added[0]
	if e["action"] != action || e["outcome"] != "accepted" || e["credential"] != credential || (clientID != "" && e["client_id"] != clientID) {
		t.Fatalf("the audit event of %s: %v; want type %s by %s about %q", action, e, action, credential, clientID)
	}
}

// find returns the id of the item of the list at path whose key is value.
func (a auditRecorder) find(path, key, value string) string {
	a.api.n.t.Helper()
	for _, it := range ids2list(a.api.ok(200, "GET", path, "")) {
		if it[key] == value {
			return it["id"].(string)
		}
	}
	a.api.n.t.Fatalf("no item of %s has %s %q", path, key, value)
	return ""
}

// TestAdminAuditOneEventPerChange: every change an admin makes, through
// the admin API or the console, leaves exactly one audit event, of the
// admin action's type and in the admin's name, even where the change is
// made by another service that audits its own callers (a registration
// token reissue); a reissue from the CLI keeps its one "reissue" event
// by "operator".
func TestAdminAuditOneEventPerChange(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: adminYAML, Env: []string{"REGISTRAR_ADMIN_TOKEN=" + envAdminToken}})
	var tok struct{ ID, Token string }
	if out := n.mustCLI("admin", "token", "create", "--name", "auditor", "--json"); json.Unmarshal([]byte(out), &tok) != nil || tok.Token == "" {
		t.Fatalf("admin token create: %s", out)
	}
	// Each subtest's helpers report to its own T.
	trailOf := func(t *testing.T) auditRecorder { return auditRecorder{adminAPI{n.with(t), envAdminToken}} }
	selfRegistered := func(t *testing.T) string {
		t.Helper()
		n := n.with(t)
		return n.mustRegister("cloud", n.iat("cloud", 1), `{"grant_types":["client_credentials"]}`)["client_id"].(string)
	}

	t.Run("admin API", func(t *testing.T) {
		api, trail := adminAPI{n.with(t), tok.Token}, trailOf(t)
		by := "admin:auditor#" + tok.ID
		var id string
		trail.one(t, "cloud", "admin.client.create", by, "", func() {
			id = api.ok(201, "POST", "/workspaces/cloud/clients", `{"grant_types":["client_credentials"]}`)["client_id"].(string)
		})
		trail.one(t, "cloud", "admin.client.update", by, id, func() {
			api.ok(200, "PUT", "/workspaces/cloud/clients/"+id, `{"client_name":"Audited","grant_types":["client_credentials"]}`)
		})
		trail.one(t, "cloud", "admin.client.disable", by, id, func() { api.ok(200, "POST", "/workspaces/cloud/clients/"+id+"/disable", "") })
		trail.one(t, "cloud", "admin.client.enable", by, id, func() { api.ok(200, "POST", "/workspaces/cloud/clients/"+id+"/enable", "") })
		trail.one(t, "cloud", "admin.client.rotate_secret", by, id, func() { api.ok(200, "POST", "/workspaces/cloud/clients/"+id+"/secret", "") })
		trail.one(t, "cloud", "admin.client.delete", by, id, func() { api.ok(204, "DELETE", "/workspaces/cloud/clients/"+id, "") })
		dcr := selfRegistered(t)
		trail.one(t, "cloud", "admin.client.reissue_registration_token", by, dcr, func() {
			api.ok(200, "POST", "/workspaces/cloud/clients/"+dcr+"/registration-access-token", "")
		})
		var iat string
		trail.one(t, "cloud", "admin.initial_access_token.create", by, "", func() {
			iat = api.ok(201, "POST", "/workspaces/cloud/initial-access-tokens", `{"uses":1,"expires_in":3600}`)["id"].(string)
		})
		trail.one(t, "cloud", "admin.initial_access_token.revoke", by, "", func() { api.ok(204, "DELETE", "/workspaces/cloud/initial-access-tokens/"+iat, "") })
		var user string
		trail.one(t, "cloud", "admin.user.add", by, "", func() {
			user = api.ok(201, "POST", "/workspaces/cloud/users", `{"username":"audrey","password":"correct horse"}`)["id"].(string)
		})
		trail.one(t, "cloud", "admin.user.reset_password", by, "", func() {
			api.ok(204, "POST", "/workspaces/cloud/users/"+user+"/password", `{"password":"battery staple"}`)
		})
		trail.one(t, "cloud", "admin.user.delete", by, "", func() { api.ok(204, "DELETE", "/workspaces/cloud/users/"+user, "") })
		trail.one(t, "cloud", "admin.keys.rotate", by, "", func() { api.ok(200, "POST", "/workspaces/cloud/keys", "") })
		trail.one(t, "default", "admin.workspace.update", by, "", func() {
			api.ok(200, "PATCH", "/workspaces/default", `{"cors_origins":["https://console.example"]}`)
		})
		trail.one(t, "audited", "admin.workspace.create", by, "", func() { api.ok(201, "POST", "/workspaces", `{"name":"audited"}`) })
	})

	t.Run("console", func(t *testing.T) {
		post, trail := consoleSession(t, n, envAdminToken), trailOf(t)
		const by = "admin:env"
		dcr := selfRegistered(t)
		for _, step := range []struct{ action, form, event string }{
			{"disable", "disable", "admin.client.disable"},
			{"enable", "enable", "admin.client.enable"},
			{"rotate-secret", "rotate-secret", "admin.client.rotate_secret"},
			{"reissue-registration-token", "reissue-registration-token", "admin.client.reissue_registration_token"},
			{"delete", "delete", "admin.client.delete"},
		} {
			trail.one(t, "cloud", step.event, by, dcr, func() { post("/admin/ws/cloud/applications/"+dcr+"/"+step.form, nil) })
		}
		trail.one(t, "cloud", "admin.initial_access_token.create", by, "", func() {
			post("/admin/ws/cloud/initial-access-tokens", url.Values{"uses": {"1"}, "expires_in_days": {"1"}, "description": {"console audit"}})
		})
		iat := trail.find("/workspaces/cloud/initial-access-tokens", "description", "console audit")
		trail.one(t, "cloud", "admin.initial_access_token.revoke", by, "", func() { post("/admin/ws/cloud/initial-access-tokens/"+iat+"/revoke", nil) })
		trail.one(t, "cloud", "admin.user.add", by, "", func() {
			post("/admin/ws/cloud/users", url.Values{"username": {"connie"}, "password": {"correct horse"}})
		})
		user := trail.find("/workspaces/cloud/users", "username", "connie")
		trail.one(t, "cloud", "admin.user.reset_password", by, "", func() {
			post("/admin/ws/cloud/users/"+user+"/password", url.Values{"password": {"battery staple"}})
		})
		trail.one(t, "cloud", "admin.user.delete", by, "", func() { post("/admin/ws/cloud/users/"+user+"/delete", nil) })
		trail.one(t, "cloud", "admin.keys.rotate", by, "", func() { post("/admin/ws/cloud/keys/rotate", nil) })
		trail.one(t, "default", "admin.workspace.update", by, "", func() {
			post("/admin/ws/default/settings", url.Values{"patch": {`{"cors_origins":["https://other.example"]}`}})
		})
	})

	t.Run("CLI reissue stays the operator's", func(t *testing.T) {
		trail := trailOf(t)
		dcr := selfRegistered(t)
		trail.one(t, "cloud", "reissue", "operator", dcr, func() { trail.api.n.mustCLI("client", "reissue-token", "--workspace", "cloud", dcr) })
	})
}

// consoleSession signs in to the console with token and returns a
// function that posts a form (with the session's CSRF token) to path and
// fails t unless the change succeeded.
func consoleSession(t *testing.T, n *node, token string) func(path string, form url.Values) {
	t.Helper()
	c, csrf := consoleSignIn(t, n, token)
	return func(path string, form url.Values) {
		t.Helper()
		if form == nil {
			form = url.Values{}
		}
		form.Set("csrf_token", csrf)
		resp, err := c.PostForm(n.Base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("console POST %s: %d %s", path, resp.StatusCode, body)
		}
	}
}
