// Package console is the operator's web console under /admin/: pages
// rendered on the server with html/template over the admin service, one
// embedded stylesheet, no script. A session is an admin token exchanged
// for a sealed cookie; every form carries the session's CSRF token.
package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/adminapi"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

//go:embed templates/*.html templates/console.css
var files embed.FS

// cookieName is the session cookie, sent on /admin paths only.
const cookieName = "registrar_admin"

// maxFormBytes bounds a console form: the largest is a user with a
// password, far under it.
const maxFormBytes = 16 << 10

// csp lets the pages load their own stylesheet and images, and nothing
// else: no script at all, no framing, forms to us. A logo a registrant
// names is never loaded: its host would learn when an operator looks.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Handler serves the console.
type Handler struct {
	Service  *admin.Service
	Sessions *Sessions
	// Secure marks the cookie Secure: the node is reached over https.
	Secure bool
	// SignIns slows an address that presents wrong admin tokens; the
	// admin API's, shared, so that guesses through both count together.
	SignIns *adminapi.Throttle
	pages   map[string]*template.Template
	css     []byte
}

// New parses the templates once. Secure and SignIns are the caller's to
// set. The console logs through the request's logger (httpapi.Logger),
// so that each line carries the request id of the access log's.
func New(svc *admin.Service, sessions *Sessions) (*Handler, error) {
	css, err := files.ReadFile("templates/console.css")
	if err != nil {
		return nil, err
	}
	h := &Handler{Service: svc, Sessions: sessions,
		pages: map[string]*template.Template{}, css: css}
	// seg escapes stored data (a workspace, a client id) put into a
	// URL's path as one segment: html/template leaves "/", "?" and "#"
	// there as they are, and they would change where the URL points.
	funcs := template.FuncMap{"when": formatTime, "join": strings.Join, "query": withQuery, "seg": url.PathEscape}
	for _, name := range []string{"signin", "error", "applications", "application", "confirm", "secret",
		"settings", "tokens", "users", "keys", "audit"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		h.pages[name] = t
	}
	return h, nil
}

// Routes registers the console's pages on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/console.css", h.handleCSS)
	mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
	mux.HandleFunc("GET /admin/{$}", h.signedIn(h.handleHome))
	mux.HandleFunc("GET /admin/signin", h.handleSignInPage)
	mux.HandleFunc("POST /admin/signin", h.handleSignIn)
	mux.HandleFunc("POST /admin/signout", h.signedIn(h.handleSignOut))
	mux.HandleFunc("GET /admin/ws/{ws}/applications", h.signedIn(h.handleApplications))
	mux.HandleFunc("GET /admin/ws/{ws}/applications/{id}", h.signedIn(h.handleApplication))
	mux.HandleFunc("GET /admin/ws/{ws}/applications/{id}/confirm", h.signedIn(h.handleConfirm))
	mux.HandleFunc("POST /admin/ws/{ws}/applications/{id}/{action}", h.signedIn(h.handleApplicationAction))
	mux.HandleFunc("GET /admin/ws/{ws}/settings", h.signedIn(h.handleSettings))
	mux.HandleFunc("POST /admin/ws/{ws}/settings", h.signedIn(h.handleChangeSettings))
	mux.HandleFunc("GET /admin/ws/{ws}/initial-access-tokens", h.signedIn(h.handleTokens))
	mux.HandleFunc("POST /admin/ws/{ws}/initial-access-tokens", h.signedIn(h.handleIssueToken))
	mux.HandleFunc("POST /admin/ws/{ws}/initial-access-tokens/{id}/revoke", h.signedIn(h.handleRevokeToken))
	mux.HandleFunc("GET /admin/ws/{ws}/users", h.signedIn(h.handleUsers))
	mux.HandleFunc("POST /admin/ws/{ws}/users", h.signedIn(h.handleAddUser))
	mux.HandleFunc("POST /admin/ws/{ws}/users/{id}/delete", h.signedIn(h.handleDeleteUser))
	mux.HandleFunc("POST /admin/ws/{ws}/users/{id}/password", h.signedIn(h.handleSetPassword))
	mux.HandleFunc("POST /admin/ws/{ws}/users/{id}/unlock", h.signedIn(h.handleUnlockUser))
	mux.HandleFunc("GET /admin/ws/{ws}/keys", h.signedIn(h.handleKeys))
	mux.HandleFunc("POST /admin/ws/{ws}/keys/rotate", h.signedIn(h.handleRotateKeys))
	mux.HandleFunc("GET /admin/ws/{ws}/audit", h.signedIn(h.handleAudit))
}

// page is what the layout needs besides the page's own content.
type page struct {
	Title      string
	Section    string // the nav entry to mark current
	Workspace  string
	Workspaces []string
	Session    *Session
	Notice     string
	Page       any
}

func (h *Handler) handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(h.css)
}

// render writes a page, rendered to a buffer first so that a template
// error never leaves half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if p.Session != nil && p.Workspaces == nil {
		p.Workspaces = h.workspaceNames(r)
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		logger(r).Error("rendering console page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) workspaceNames(r *http.Request) []string {
	all, err := h.Service.Workspaces(r.Context())
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(all))
	for _, ws := range all {
		names = append(names, ws.Name)
	}
	return names
}

// logger is the request's logger, which carries its request id, with
// the path that every console line should name.
func logger(r *http.Request) *slog.Logger {
	return httpapi.Logger(r.Context()).With("path", r.URL.Path)
}

// errorPage is the page of a refusal.
type errorPage struct {
	Heading, Message string
	Status           int
}

// fail renders the page of err: a refusal of the admin service or a
// protocol error with its status and message, anything else as a 500
// whose cause only the log sees.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, sess *Session, err error) {
	status, heading, message := http.StatusInternalServerError, "Something went wrong", "The server could not complete this request; its log says why."
	var refusal *admin.Error
	var oe *oautherr.Error
	switch {
	case errors.As(err, &refusal):
		message = refusal.Message
		switch {
		case errors.Is(err, admin.ErrNotFound):
			status, heading = http.StatusNotFound, "Not found"
		case errors.Is(err, admin.ErrConflict):
			status, heading = http.StatusConflict, "Not possible"
		default:
			status, heading = http.StatusBadRequest, "Bad request"
		}
	case errors.As(err, &oe):
		status, heading, message = oe.Status, "Refused", oe.Description
	default:
		logger(r).Error("console request failed", "err", err)
	}
	h.showError(w, r, sess, status, heading, message)
}

func (h *Handler) showError(w http.ResponseWriter, r *http.Request, sess *Session, status int, heading, message string) {
	h.render(w, r, status, "error", page{Title: heading, Session: sess, Workspace: r.PathValue("ws"),
		Page: errorPage{Heading: heading, Message: message, Status: status}})
}

// badRequest is a refusal of a caller's mistake in a query or form.
func badRequest(format string, args ...any) error {
	return &admin.Error{Kind: admin.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// clientAddress is the caller's address, as httpapi.ClientAddress left
// it (the proxy's word only when the proxy is trusted), without the port.
func clientAddress(r *http.Request) string { return httpapi.Address(r.RemoteAddr) }

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// withQuery is u with key set to value in its query, for paging links
// that keep the filters.
func withQuery(u *url.URL, key, value string) string {
	q := u.Query()
	q.Set(key, value)
	return u.EscapedPath() + "?" + q.Encode()
}

// safeLink is raw when it is an absolute http(s) URL, the only kind the
// console links to: a javascript: or data: URI a client registered stays
// text.
func safeLink(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return raw
}
