package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// settingsPage shows a workspace's settings: read only where the YAML
// owns them, else with a form for a merge patch.
type settingsPage struct {
	Settings  workspace.Settings
	YAMLOwned bool
	// Templates and Defaults are the registration's shaping, as JSON;
	// JSON is all the settings, what a patch applies over.
	Templates, Defaults, JSON string
}

func (h *Handler) handleSettings(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws, err := h.Service.WorkspaceView(r.Context(), r.PathValue("ws"))
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	view := settingsPage{Settings: ws.Settings, YAMLOwned: ws.YAMLOwned, JSON: indentJSON(ws.Settings)}
	if t := ws.Settings.Registration.Templates; len(t) > 0 {
		view.Templates = indentJSON(t)
	}
	if d := ws.Settings.Registration.Defaults; !isZeroJSON(d) {
		view.Defaults = indentJSON(d)
	}
	h.render(w, r, http.StatusOK, "settings", page{Title: "Workspace settings", Section: "settings", Workspace: ws.Name, Session: sess,
		Notice: notices[r.URL.Query().Get("done")], Page: view})
}

// handleChangeSettings applies a JSON merge patch to the settings of a
// workspace the YAML does not declare; the service refuses one it does
// (409 naming the key) and settings that break a rule (400).
func (h *Handler) handleChangeSettings(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	patch := r.PostForm.Get("patch")
	if namesNoSetting(patch) {
		h.fail(w, r, sess, badRequest("The patch is empty, so nothing was changed. Write the keys to change and their new values, for example {\"registration\": {\"max_clients\": 500}}."))
		return
	}
	if _, err := h.Service.UpdateWorkspaceSettings(r.Context(), ws, []byte(patch)); err != nil {
		h.fail(w, r, sess, err)
		return
	}
	logger(r).Info("console: workspace settings changed", "workspace", ws, "admin", sess.Name)
	http.Redirect(w, r, "/admin/ws/"+url.PathEscape(ws)+"/settings?done=settings", http.StatusSeeOther)
}

// namesNoSetting reports whether a patch is blank or an empty object:
// applying it would change nothing, yet say the settings were changed.
// Anything else, malformed JSON included, is the service's to judge.
func namesNoSetting(patch string) bool {
	var members map[string]json.RawMessage
	return strings.TrimSpace(patch) == "" || (json.Unmarshal([]byte(patch), &members) == nil && members != nil && len(members) == 0)
}

func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

func isZeroJSON(v any) bool {
	b, err := json.Marshal(v)
	return err != nil || string(b) == "{}" || string(b) == "null"
}

// tokensPage lists initial access tokens and issues new ones.
type tokensPage struct {
	Tokens []admin.InitialAccessToken
}

func (h *Handler) handleTokens(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	tokens, err := h.Service.InitialAccessTokens(r.Context(), ws)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	h.render(w, r, http.StatusOK, "tokens", page{Title: "Initial access tokens", Section: "tokens", Workspace: ws, Session: sess,
		Notice: notices[r.URL.Query().Get("done")], Page: tokensPage{Tokens: tokens}})
}

// handleIssueToken issues an initial access token and shows it, once.
func (h *Handler) handleIssueToken(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	uses, err := formInt(r, "uses", 1)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	days, err := formInt(r, "expires_in_days", 7)
	if err != nil || days < 1 || days > 3650 {
		h.fail(w, r, sess, badRequest("the lifetime must be a whole number of days from 1 to 3650"))
		return
	}
	tok, err := h.Service.CreateInitialAccessToken(r.Context(), admin.NewInitialAccessToken{Workspace: ws, MaxUses: uses,
		TTL: time.Duration(days) * 24 * time.Hour, Description: strings.TrimSpace(r.PostForm.Get("description"))})
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	logger(r).Info("console: initial access token issued", "workspace", ws, "id", tok.ID, "admin", sess.Name)
	h.showSecret(w, r, sess, secretPage{Heading: "New initial access token", Label: "Initial access token", Value: tok.Token,
		Note: "Registers up to " + usesText(tok.MaxUses) + " until " + formatTime(tok.ExpiresAt) + ". It is shown only now: copy it before you leave this page.",
		Back: "/admin/ws/" + url.PathEscape(ws) + "/initial-access-tokens", BackLabel: "Back to initial access tokens"})
}

func usesText(n int) string {
	switch n {
	case 0:
		return "any number of clients"
	case 1:
		return "one client"
	}
	return strconv.Itoa(n) + " clients"
}

// formInt reads a whole number ≥ 0 from the form; empty is def.
func formInt(r *http.Request, key string, def int) (int, error) {
	s := strings.TrimSpace(r.PostForm.Get(key))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest("%s must be a whole number", key)
	}
	return n, nil
}

func (h *Handler) handleRevokeToken(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws, id := r.PathValue("ws"), r.PathValue("id")
	if err := h.Service.RevokeInitialAccessToken(r.Context(), ws, id); err != nil {
		h.fail(w, r, sess, err)
		return
	}
	logger(r).Info("console: initial access token revoked", "workspace", ws, "id", id, "admin", sess.Name)
	http.Redirect(w, r, "/admin/ws/"+url.PathEscape(ws)+"/initial-access-tokens?done=revoked", http.StatusSeeOther)
}

// usersPage lists a workspace's users.
type usersPage struct {
	Users []user.User
}

func (h *Handler) handleUsers(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	users, err := h.Service.Users(r.Context(), ws)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	h.render(w, r, http.StatusOK, "users", page{Title: "Users", Section: "users", Workspace: ws, Session: sess,
		Notice: notices[r.URL.Query().Get("done")], Page: usersPage{Users: users}})
}

func (h *Handler) handleAddUser(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	f := r.PostForm
	_, err := h.Service.AddUser(r.Context(), admin.NewUser{Workspace: ws, Username: strings.TrimSpace(f.Get("username")),
		Password: f.Get("password"), Email: strings.TrimSpace(f.Get("email")), EmailVerified: f.Get("email_verified") == "on",
		Name: strings.TrimSpace(f.Get("name"))})
	h.afterUserChange(w, r, sess, err, "added")
}

// The user forms name a user by id, which the server made, never by the
// username, which anyone who registered chose: a name such as
// "../applications/x/delete?" would otherwise retarget the form.

func (h *Handler) handleDeleteUser(w http.ResponseWriter, r *http.Request, sess *Session) {
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err == nil {
		err = h.Service.DeleteUser(r.Context(), u.Workspace, u.Username)
	}
	h.afterUserChange(w, r, sess, err, "deleted")
}

func (h *Handler) handleSetPassword(w http.ResponseWriter, r *http.Request, sess *Session) {
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err == nil {
		err = h.Service.SetPassword(r.Context(), admin.PasswordChange{Workspace: u.Workspace, Username: u.Username,
			Password: r.PostForm.Get("password")})
	}
	h.afterUserChange(w, r, sess, err, "password")
}

func (h *Handler) handleUnlockUser(w http.ResponseWriter, r *http.Request, sess *Session) {
	done := "unlocked"
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err == nil {
		var lock store.AccountLock
		if lock, err = h.Service.UnlockUser(r.Context(), u.Workspace, u.Username); !lock.LockedAt(h.Service.Time()) {
			done = "notlocked"
		}
	}
	h.afterUserChange(w, r, sess, err, done)
}

func (h *Handler) afterUserChange(w http.ResponseWriter, r *http.Request, sess *Session, err error, done string) {
	ws := r.PathValue("ws")
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	logger(r).Info("console: user "+done, "workspace", ws, "admin", sess.Name)
	http.Redirect(w, r, "/admin/ws/"+url.PathEscape(ws)+"/users?done="+done, http.StatusSeeOther)
}

// keysPage lists the signing keys a workspace publishes.
type keysPage struct {
	Keys []admin.Key
}

func (h *Handler) handleKeys(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	keys, err := h.Service.Keys(r.Context(), ws)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	h.render(w, r, http.StatusOK, "keys", page{Title: "Signing keys", Section: "keys", Workspace: ws, Session: sess,
		Notice: notices[r.URL.Query().Get("done")], Page: keysPage{Keys: keys}})
}

func (h *Handler) handleRotateKeys(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	if _, err := h.Service.RotateKeys(r.Context(), ws); err != nil {
		h.fail(w, r, sess, err)
		return
	}
	logger(r).Info("console: signing keys rotated", "workspace", ws, "admin", sess.Name)
	http.Redirect(w, r, "/admin/ws/"+url.PathEscape(ws)+"/keys?done=rotated", http.StatusSeeOther)
}

// auditPage is the audit log with its filters.
type auditPage struct {
	Type, ClientID, Since, Until string
	Types                        []string
	Events                       []admin.AuditEvent
	Next                         string
}

func (h *Handler) handleAudit(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws, v := r.PathValue("ws"), r.URL.Query()
	view := auditPage{Type: v.Get("type"), ClientID: v.Get("client_id"), Since: v.Get("since"), Until: v.Get("until"), Types: admin.AuditTypes}
	q := admin.AuditQuery{Type: view.Type, ClientID: view.ClientID, Cursor: v.Get("cursor")}
	var err error
	if q.Limit, err = pageSize(v.Get("limit")); err != nil {
		h.fail(w, r, sess, err)
		return
	}
	for _, bound := range []struct {
		raw string
		to  *time.Time
	}{{view.Since, &q.Since}, {view.Until, &q.Until}} {
		if bound.raw == "" {
			continue
		}
		if *bound.to, err = parseDay(bound.raw); err != nil {
			h.fail(w, r, sess, badRequest("since and until must be dates (2026-01-31) or RFC 3339 times"))
			return
		}
	}
	found, err := h.Service.ListAuditEvents(r.Context(), ws, q)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	view.Events = found.Items
	if found.NextCursor != "" {
		view.Next = withQuery(r.URL, "cursor", found.NextCursor)
	}
	h.render(w, r, http.StatusOK, "audit", page{Title: "Audit log", Section: "audit", Workspace: ws, Session: sess, Page: view})
}
