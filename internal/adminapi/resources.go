package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func badRequest(format string, args ...any) error {
	return oautherr.InvalidRequestf(format, args...)
}

// query reads the parameters a list takes, refusing a repeated one and
// any it does not know, so that a typo is not read as "no filter".
func query(r *http.Request, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("the query string is malformed: %v", err)
	}
	for name, vs := range q {
		if len(vs) > 1 {
			return nil, badRequest("%s is given %d times; give it once", name, len(vs))
		}
		if !slices.Contains(known, name) {
			return nil, badRequest("unknown query parameter %s", name)
		}
	}
	return q, nil
}

func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRequest("%s must be an RFC 3339 time, such as 2026-01-02T15:04:05Z", name)
	}
	return t.UTC(), nil
}

// offsetPage reads limit and cursor for a list the service returns
// whole; the cursor is the offset a previous page gave.
func offsetPage(r *http.Request) (limit, offset int, err error) {
	q, err := query(r, "limit", "cursor")
	if err != nil {
		return 0, 0, err
	}
	if limit, err = admin.PageSize(q.Get("limit"), admin.DefaultPageSize); err != nil {
		return 0, 0, err
	}
	if c := q.Get("cursor"); c != "" {
		if offset, err = strconv.Atoi(c); err != nil || offset < 0 {
			return 0, 0, badRequest("cursor is not one this server gave: start again without it")
		}
	}
	return limit, offset, nil
}

// decodeObject reads a body that must be one JSON object.
func decodeObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	obj, err := strictjson.DecodeObject(body)
	if err != nil {
		return nil, badRequest("the body must be a JSON object: %v", err)
	}
	return obj, nil
}

// decodeInto reads a JSON object body into v, refusing unknown members.
func decodeInto(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if _, err := strictjson.DecodeObject(body); err != nil {
		return badRequest("the body must be a JSON object: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("%s", readableJSONError(err))
	}
	return nil
}

// readableJSONError says what encoding/json found wrong in the caller's
// words, members and JSON types, not Go's struct fields.
func readableJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s must be %s, not a JSON %s", te.Field, jsonKind(te.Type), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown member " + name
	}
	return err.Error()
}

// jsonKind names the JSON a Go type is read from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// Workspaces.

func (h *Handler) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	all, err := h.Service.Workspaces(r.Context())
	if err != nil {
		return err
	}
	return wholeList(w, r, all)
}

// newWorkspace is POST /workspaces: a name, and settings over the
// defaults as a merge patch.
type newWorkspace struct {
	Name     string          `json:"name"`
	Settings json.RawMessage `json:"settings"`
}

func (h *Handler) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var req newWorkspace
	if err := decodeInto(w, r, &req); err != nil {
		return err
	}
	ws, err := h.Service.CreateWorkspace(r.Context(), req.Name, req.Settings)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, ws)
	return nil
}

func (h *Handler) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := h.Service.WorkspaceView(r.Context(), r.PathValue("ws"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, ws)
	return nil
}

func (h *Handler) patchWorkspace(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/merge-patch+json" {
			r.Header.Set("Content-Type", "application/json")
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	ws, err := h.Service.UpdateWorkspaceSettings(r.Context(), r.PathValue("ws"), body)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, ws)
	return nil
}

// Clients.

func (h *Handler) listClients(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "registered_via", "software_id", "created_after", "q", "limit", "cursor")
	if err != nil {
		return err
	}
	cq := admin.ClientQuery{RegisteredVia: q.Get("registered_via"), SoftwareID: q.Get("software_id"), Q: q.Get("q"), Cursor: q.Get("cursor")}
	if cq.Limit, err = admin.PageSize(q.Get("limit"), admin.DefaultPageSize); err != nil {
		return err
	}
	if cq.CreatedAfter, err = timeParam(q, "created_after"); err != nil {
		return err
	}
	page, err := h.Service.ListClients(r.Context(), r.PathValue("ws"), cq)
	if err != nil {
		return err
	}
	views := make([]map[string]any, 0, len(page.Items))
	for _, cl := range page.Items {
		views = append(views, admin.ClientView(cl))
	}
	writeList(w, views, page.NextCursor)
	return nil
}

// metadata reads a client's metadata for POST (id "") or PUT of client
// id. Stricter than DCR, which ignores what it does not know: an
// operator's typo is refused, naming the member. The members a GET shows
// that are not metadata (client_id_issued_at, registered_via…) may come
// back unchanged and are ignored; a client_id must be the path's, and a
// secret is not set here but made by the rotate route.
func (h *Handler) metadata(w http.ResponseWriter, r *http.Request, id string) (client.Metadata, error) {
	obj, err := decodeObject(w, r)
	if err != nil {
		return client.Metadata{}, err
	}
	for name, raw := range obj {
		switch {
		case name == "client_id":
			var got string
			if json.Unmarshal(raw, &got) != nil || got != id {
				if id == "" {
					return client.Metadata{}, badRequest("client_id is assigned by the server: leave it out")
				}
				return client.Metadata{}, badRequest("client_id %s differs from the path's, %s", raw, id)
			}
		case name == "client_secret":
			return client.Metadata{}, badRequest("client_secret cannot be set: POST …/clients/{id}/secret makes a new one")
		case slices.Contains(shownNotMetadata, name):
		case !client.IsMember(strings.SplitN(name, "#", 2)[0]): // "client_name#fr" is client_name's
			return client.Metadata{}, oautherr.InvalidMetadata("%s is not a client metadata member", name)
		default:
			continue
		}
		delete(obj, name)
	}
	return client.DecodeMetadata(obj)
}

// shownNotMetadata are the members a client's GET shows beside its
// metadata, which a PUT of what GET gave may carry back.
var shownNotMetadata = []string{"client_id_issued_at", "client_secret_expires_at", "workspace", "registered_via",
	"provenance", "created_at", "updated_at", "disabled", "disabled_at", "first_token_at"}

func (h *Handler) createClient(w http.ResponseWriter, r *http.Request) error {
	md, err := h.metadata(w, r, "")
	if err != nil {
		return err
	}
	created, err := h.Service.CreateClient(r.Context(), admin.NewClient{Workspace: r.PathValue("ws"), Metadata: md, Origin: client.OriginAdmin})
	if err != nil {
		return err
	}
	httpapi.NoteClientID(r.Context(), created.Client.ID)
	httpapi.WriteJSON(w, http.StatusCreated, withSecret(created))
	return nil
}

func withSecret(c admin.CreatedClient) map[string]any {
	v := admin.ClientView(c.Client)
	if c.Secret != "" {
		v["client_secret"] = c.Secret
	}
	return v
}

func (h *Handler) getClient(w http.ResponseWriter, r *http.Request) error {
	cl, err := h.Service.Client(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, admin.ClientView(cl))
	return nil
}

func (h *Handler) updateClient(w http.ResponseWriter, r *http.Request) error {
	md, err := h.metadata(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	updated, err := h.Service.UpdateClient(r.Context(), r.PathValue("ws"), r.PathValue("id"), md)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, withSecret(updated))
	return nil
}

func (h *Handler) deleteClient(w http.ResponseWriter, r *http.Request) error {
	if err := h.Service.DeleteClient(r.Context(), r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// clientAction runs a state change and answers with the client as it is.
func (h *Handler) clientAction(w http.ResponseWriter, r *http.Request, act func(ws, id string) error) error {
	ws, id := r.PathValue("ws"), r.PathValue("id")
	if err := act(ws, id); err != nil {
		return err
	}
	return h.getClient(w, r)
}

func (h *Handler) disableClient(w http.ResponseWriter, r *http.Request) error {
	return h.clientAction(w, r, func(ws, id string) error { return h.Service.DisableClient(r.Context(), ws, id) })
}

func (h *Handler) enableClient(w http.ResponseWriter, r *http.Request) error {
	return h.clientAction(w, r, func(ws, id string) error { return h.Service.EnableClient(r.Context(), ws, id) })
}

func (h *Handler) reissueRegistrationToken(w http.ResponseWriter, r *http.Request) error {
	t, err := h.Service.ReissueRegistrationToken(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	s, err := h.Service.RotateClientSecret(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, s)
	return nil
}

// Initial access tokens.

func (h *Handler) listIATs(w http.ResponseWriter, r *http.Request) error {
	all, err := h.Service.InitialAccessTokens(r.Context(), r.PathValue("ws"))
	if err != nil {
		return err
	}
	return wholeList(w, r, all)
}

// newIAT is POST …/initial-access-tokens: uses 0 (or absent) for no
// bound, expires_in in seconds.
type newIAT struct {
	Uses        int      `json:"uses"`
	ExpiresIn   lifetime `json:"expires_in"`
	Description string   `json:"description"`
}

// lifetime is expires_in, given as the YAML gives a lifetime: a number
// of seconds or a duration with a unit ("10m", "12h", "90d", "2w").
type lifetime time.Duration

func (l *lifetime) UnmarshalJSON(b []byte) error {
	var seconds int64
	if err := json.Unmarshal(b, &seconds); err == nil {
		*l = lifetime(time.Duration(seconds) * time.Second)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if d, err := workspace.ParseDuration(s); err == nil {
			*l = lifetime(d)
			return nil
		}
	}
	return fmt.Errorf("expires_in: %s is not a lifetime %s", b, workspace.DurationExamples)
}

func (h *Handler) createIAT(w http.ResponseWriter, r *http.Request) error {
	var req newIAT
	if err := decodeInto(w, r, &req); err != nil {
		return err
	}
	if ttl := time.Duration(req.ExpiresIn); ttl < time.Second || ttl > 10*365*24*time.Hour {
		return badRequest("expires_in must be a positive lifetime %s, at most ten years", workspace.DurationExamples)
	}
	t, err := h.Service.CreateInitialAccessToken(r.Context(), admin.NewInitialAccessToken{Workspace: r.PathValue("ws"),
		MaxUses: req.Uses, TTL: time.Duration(req.ExpiresIn), Description: req.Description})
	if err != nil {
		return err
	}
	// uses is the maximum asked for, as the request named it; max_uses
	// repeats it under the name the list gives it, where uses counts the
	// registrations made.
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "token": t.Token, "uses": t.MaxUses, "max_uses": t.MaxUses,
		"expires_at": t.ExpiresAt, "description": t.Description})
	return nil
}

func (h *Handler) revokeIAT(w http.ResponseWriter, r *http.Request) error {
	if err := h.Service.RevokeInitialAccessToken(r.Context(), r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Users.

type userView struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email,omitempty"`
	EmailVerified bool      `json:"email_verified"`
	Name          string    `json:"name,omitempty"`
	GivenName     string    `json:"given_name,omitempty"`
	FamilyName    string    `json:"family_name,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func viewUser(u user.User) userView {
	return userView{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name,
		GivenName: u.GivenName, FamilyName: u.FamilyName, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	all, err := h.Service.Users(r.Context(), r.PathValue("ws"))
	if err != nil {
		return err
	}
	views := make([]userView, 0, len(all))
	for _, u := range all {
		views = append(views, viewUser(u))
	}
	return wholeList(w, r, views)
}

type newUser struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
}

func (h *Handler) addUser(w http.ResponseWriter, r *http.Request) error {
	var req newUser
	if err := decodeInto(w, r, &req); err != nil {
		return err
	}
	u, err := h.Service.AddUser(r.Context(), admin.NewUser{Workspace: r.PathValue("ws"), Username: req.Username, Password: req.Password,
		Email: req.Email, EmailVerified: req.EmailVerified, Name: req.Name, GivenName: req.GivenName, FamilyName: req.FamilyName})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, viewUser(u))
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, viewUser(u))
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.Service.DeleteUser(r.Context(), u.Workspace, u.Username); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeInto(w, r, &req); err != nil {
		return err
	}
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.Service.SetPassword(r.Context(), admin.PasswordChange{Workspace: u.Workspace, Username: u.Username, Password: req.Password}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unlockedUser is an unlock's answer: the lock as it was.
type unlockedUser struct {
	ID                  string     `json:"id"`
	Username            string     `json:"username"`
	WasLocked           bool       `json:"was_locked"`
	LockedUntil         *time.Time `json:"locked_until,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
}

func (h *Handler) unlockUser(w http.ResponseWriter, r *http.Request) error {
	u, err := h.Service.UserByID(r.Context(), r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	lock, err := h.Service.UnlockUser(r.Context(), u.Workspace, u.Username)
	if err != nil {
		return err
	}
	view := unlockedUser{ID: u.ID, Username: u.Username, WasLocked: lock.LockedAt(h.Service.Time()), ConsecutiveFailures: lock.Failures}
	if !lock.LockedUntil.IsZero() {
		view.LockedUntil = &lock.LockedUntil
	}
	httpapi.WriteJSON(w, http.StatusOK, view)
	return nil
}

// Keys and audit.

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request) error {
	all, err := h.Service.Keys(r.Context(), r.PathValue("ws"))
	if err != nil {
		return err
	}
	return wholeList(w, r, all)
}

func (h *Handler) rotateKeys(w http.ResponseWriter, r *http.Request) error {
	rot, err := h.Service.RotateKeys(r.Context(), r.PathValue("ws"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, rot)
	return nil
}

func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "type", "client_id", "since", "until", "limit", "cursor")
	if err != nil {
		return err
	}
	aq := admin.AuditQuery{Type: q.Get("type"), ClientID: q.Get("client_id"), Cursor: q.Get("cursor")}
	if aq.Limit, err = admin.PageSize(q.Get("limit"), admin.DefaultPageSize); err != nil {
		return err
	}
	if aq.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if aq.Until, err = timeParam(q, "until"); err != nil {
		return err
	}
	page, err := h.Service.ListAuditEvents(r.Context(), r.PathValue("ws"), aq)
	if err != nil {
		return err
	}
	writeList(w, page.Items, page.NextCursor)
	return nil
}
