package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/client"
)

// defaultPageSize is a table's rows when the query does not say.
const defaultPageSize = 25

// application is one client as a table row or a page shows it.
type application struct {
	ID, Name, SoftwareID string
	// DCR is how a self-registered client registered ("open", "initial
	// access token", "software statement"); empty for an operator's.
	DCR        string
	GrantTypes []string
	Created    time.Time
	Disabled   bool
}

func viewApplication(c client.Client) application {
	a := application{ID: c.ID, Name: c.Metadata.ClientName, SoftwareID: c.Metadata.SoftwareID,
		GrantTypes: c.Metadata.GrantTypes, Created: c.IssuedAt, Disabled: c.Disabled()}
	if a.SoftwareID == "" {
		a.SoftwareID = c.Provenance.SoftwareID
	}
	if len(a.GrantTypes) == 0 {
		a.GrantTypes = []string{client.GrantAuthorizationCode}
	}
	if admin.RegisteredVia(c) == admin.RegisteredViaDCR {
		a.DCR = registeredHow(c.Provenance)
	}
	return a
}

// registeredHow names what let a client register itself.
func registeredHow(p client.Provenance) string {
	switch {
	case p.SoftwareStatementIss != "":
		return "software statement"
	case p.InitialAccessTokenID != "":
		return "initial access token"
	default:
		return "open"
	}
}

// applicationsPage is the Applications table with its filters.
type applicationsPage struct {
	Query                            string
	RegisteredVia, SoftwareID, Since string
	Limit                            int
	Items                            []application
	Next                             string
	Filtered                         bool
}

func (h *Handler) handleApplications(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws := r.PathValue("ws")
	q, view, err := clientQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	found, err := h.Service.ListClients(r.Context(), ws, q)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	for _, c := range found.Items {
		view.Items = append(view.Items, viewApplication(c))
	}
	if found.NextCursor != "" {
		view.Next = withQuery(r.URL, "cursor", found.NextCursor)
	}
	h.render(w, r, http.StatusOK, "applications", page{Title: "Applications", Section: "applications", Workspace: ws, Session: sess, Page: view})
}

// clientQuery reads the table's filters; a value that means nothing is
// a 400, not an empty table.
func clientQuery(v url.Values) (admin.ClientQuery, applicationsPage, error) {
	view := applicationsPage{Query: v.Get("q"), RegisteredVia: v.Get("registered_via"), SoftwareID: v.Get("software_id"), Since: v.Get("created_after")}
	q := admin.ClientQuery{Q: strings.TrimSpace(view.Query), RegisteredVia: view.RegisteredVia, SoftwareID: view.SoftwareID, Cursor: v.Get("cursor")}
	switch view.RegisteredVia {
	case "", "dcr", "operator":
	default:
		return q, view, badRequest("registered_via must be dcr or operator")
	}
	if view.Since != "" {
		t, err := parseDay(view.Since)
		if err != nil {
			return q, view, badRequest("created_after must be a date (2026-01-31) or an RFC 3339 time")
		}
		q.CreatedAfter = t
	}
	limit, err := pageSize(v.Get("limit"))
	if err != nil {
		return q, view, err
	}
	q.Limit, view.Limit = limit, limit
	view.Filtered = q.Q != "" || q.RegisteredVia != "" || q.SoftwareID != "" || view.Since != ""
	return q, view, nil
}

// parseDay reads a date or an RFC 3339 time.
func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// pageSize reads a table's limit parameter, as the admin API does.
func pageSize(s string) (int, error) {
	return admin.PageSize(s, defaultPageSize)
}

// applicationPage is one client: its metadata, audit trail and actions.
type applicationPage struct {
	application
	Client       client.Client
	ClientURI    string // each a link only when http(s)
	LogoURI      string
	PolicyURI    string
	TOSURI       string
	Registration bool // it can be given a new registration access token
	UsesSecret   bool
	Events       []admin.AuditEvent
}

func (h *Handler) handleApplication(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws, id := r.PathValue("ws"), r.PathValue("id")
	c, err := h.Service.Client(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	events, err := h.Service.ListAuditEvents(r.Context(), ws, admin.AuditQuery{ClientID: id, Limit: 20})
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	md := c.Metadata
	view := applicationPage{application: viewApplication(c), Client: c, ClientURI: safeLink(md.ClientURI),
		LogoURI: safeLink(md.LogoURI), PolicyURI: safeLink(md.PolicyURI), TOSURI: safeLink(md.TOSURI),
		Registration: c.Provenance.Origin == client.OriginDCR, UsesSecret: client.UsesSecret(md.AuthMethod()), Events: events.Items}
	h.render(w, r, http.StatusOK, "application", page{Title: nameOr(view.Name, id), Section: "applications", Workspace: ws,
		Session: sess, Notice: notices[r.URL.Query().Get("done")], Page: view})
}

func nameOr(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

// notices are what a page says after an action sent the browser back.
var notices = map[string]string{
	"disable":   "The application is disabled: its credentials no longer get tokens.",
	"enable":    "The application is enabled again.",
	"revoked":   "The initial access token is revoked.",
	"issued":    "",
	"rotated":   "New signing keys are published; they take over signing once caches have seen them.",
	"added":     "The user is added.",
	"deleted":   "Deleted.",
	"password":  "The password is changed, and the user's sessions are ended.",
	"unlocked":  "The account is unlocked and its failed sign-ins are forgotten: the user can sign in again.",
	"notlocked": "The account was not locked; any failed sign-ins on record are forgotten.",
	"settings":  "The settings are changed.",
}

// action is something an operator may do to an application, behind a
// confirmation page.
type action struct {
	Name, Verb, Question, Consequence string
	Danger                            bool
}

var actions = map[string]action{
	"disable": {Name: "disable", Verb: "Disable", Question: "Disable this application?",
		Consequence: "It can no longer get tokens, and its registration can no longer be read or changed, until it is enabled again. Nothing is deleted.", Danger: true},
	"enable": {Name: "enable", Verb: "Enable", Question: "Enable this application?",
		Consequence: "Its credentials get tokens again."},
	"delete": {Name: "delete", Verb: "Delete", Question: "Delete this application?",
		Consequence: "The application and every token issued to it are deleted. This cannot be undone.", Danger: true},
	"reissue-registration-token": {Name: "reissue-registration-token", Verb: "Reissue registration token", Question: "Give this application a new registration access token?",
		Consequence: "Its current registration access token stops working. The new one is shown once: hand it to the application's owner."},
	"rotate-secret": {Name: "rotate-secret", Verb: "Rotate secret", Question: "Give this application a new client secret?",
		Consequence: "The current secret stops working now. The new one is shown once: hand it to the application's owner.", Danger: true},
}

// confirmPage asks before an action.
type confirmPage struct {
	action
	App application
}

func (h *Handler) handleConfirm(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws, id := r.PathValue("ws"), r.PathValue("id")
	act, ok := actions[r.URL.Query().Get("action")]
	if !ok {
		h.fail(w, r, sess, badRequest("no such action %q", r.URL.Query().Get("action")))
		return
	}
	c, err := h.Service.Client(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	h.render(w, r, http.StatusOK, "confirm", page{Title: act.Question, Section: "applications", Workspace: ws, Session: sess,
		Page: confirmPage{action: act, App: viewApplication(c)}})
}

// secretPage shows a value once, right after it was made.
type secretPage struct {
	Heading, Label, Value, Note, Back, BackLabel string
}

func (h *Handler) handleApplicationAction(w http.ResponseWriter, r *http.Request, sess *Session) {
	ws, id, name := r.PathValue("ws"), r.PathValue("id"), r.PathValue("action")
	back := "/admin/ws/" + url.PathEscape(ws) + "/applications/" + url.PathEscape(id)
	shown, err := h.runAction(r.Context(), ws, id, name)
	if err != nil {
		h.fail(w, r, sess, err)
		return
	}
	logger(r).Info("console: application "+name, "workspace", ws, "client_id", id, "admin", sess.Name)
	switch {
	case shown != nil:
		shown.Back, shown.BackLabel = back, "Back to the application"
		h.showSecret(w, r, sess, *shown)
	case name == "delete":
		http.Redirect(w, r, "/admin/ws/"+url.PathEscape(ws)+"/applications", http.StatusSeeOther)
	default:
		http.Redirect(w, r, back+"?done="+name, http.StatusSeeOther)
	}
}

// runAction does one of the actions on an application; a value made
// for it to be shown once comes back as the page that shows it.
func (h *Handler) runAction(ctx context.Context, ws, id, name string) (*secretPage, error) {
	switch name {
	case "disable":
		return nil, h.Service.DisableClient(ctx, ws, id)
	case "enable":
		return nil, h.Service.EnableClient(ctx, ws, id)
	case "delete":
		return nil, h.Service.DeleteClient(ctx, ws, id)
	case "reissue-registration-token":
		tok, err := h.Service.ReissueRegistrationToken(ctx, ws, id)
		return &secretPage{Heading: "New registration access token", Label: "Registration access token", Value: tok.Token,
			Note: "Use it at " + tok.ClientURI + ". It is shown only now."}, err
	case "rotate-secret":
		rot, err := h.Service.RotateClientSecret(ctx, ws, id)
		return &secretPage{Heading: "New client secret", Label: "Client secret", Value: rot.ClientSecret,
			Note: "The previous secret no longer works. This one is shown only now."}, err
	}
	return nil, &admin.Error{Kind: admin.ErrNotFound, Message: "no such action"}
}

func (h *Handler) showSecret(w http.ResponseWriter, r *http.Request, sess *Session, p secretPage) {
	h.render(w, r, http.StatusOK, "secret", page{Title: p.Heading, Workspace: r.PathValue("ws"), Session: sess, Page: p})
}
