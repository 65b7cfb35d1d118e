package interact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Handler serves the browser flow's endpoints and pages.
type Handler struct {
	Service    *Service
	Workspaces workspace.Lookup
	Pages      *web.Renderer
	// SecureCookies is true when the issuer is https.
	SecureCookies bool
}

// Routes registers the endpoints on mux. The authorization endpoint never
// answers CORS (RFC 9700 §2.6).
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{ws}/oauth2/authorize", h.handleAuthorize)
	mux.HandleFunc("POST /{ws}/oauth2/authorize", h.handleAuthorize)
	mux.HandleFunc("POST /{ws}/login", h.postedForm(h.login))
	mux.HandleFunc("POST /{ws}/consent", h.postedForm(h.consent))
	mux.HandleFunc("GET /{ws}/oauth2/logout", h.handleLogoutPrompt)
	mux.HandleFunc("POST /{ws}/oauth2/logout", h.postedForm(h.logout))
	// Every other method on these paths: 405 with Allow, not the 404 of
	// the catch-all route.
	for path, allow := range map[string]string{
		"/{ws}/oauth2/authorize": "GET, HEAD, POST",
		"/{ws}/login":            "POST",
		"/{ws}/consent":          "POST",
		"/{ws}/oauth2/logout":    "GET, HEAD, POST",
	} {
		mux.HandleFunc(path, httpapi.MethodNotAllowed(allow))
	}
}

// Cookies are per workspace (path-scoped), HttpOnly, SameSite=Lax, and
// Secure when the issuer is https.
const (
	sessionCookie = "registrar_session"
	csrfCookie    = "registrar_csrf"
	csrfMaxAge    = time.Hour
)

func (h *Handler) cookie(ws workspace.Workspace, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/" + ws.Name + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

// browser reads the flow's cookies.
func browser(r *http.Request) Browser {
	var b Browser
	if c, err := r.Cookie(sessionCookie); err == nil {
		b.Session = c.Value
	}
	if c, err := r.Cookie(csrfCookie); err == nil {
		b.CSRF = c.Value
	}
	return b
}

// setCookies stores the cookies out asks for.
func (h *Handler) setCookies(w http.ResponseWriter, ws workspace.Workspace, out Outcome) {
	if sc := out.Session; sc != nil {
		maxAge := int(sc.MaxAge / time.Second)
		if sc.Value == "" {
			maxAge = -1
		}
		http.SetCookie(w, h.cookie(ws, sessionCookie, sc.Value, maxAge))
	}
	if out.NewCSRF != "" {
		http.SetCookie(w, h.cookie(ws, csrfCookie, out.NewCSRF, int(csrfMaxAge/time.Second)))
	}
}

// workspace resolves {ws}; an unknown one is a 404 JSON error.
func (h *Handler) workspace(r *http.Request) (workspace.Workspace, error) {
	return h.Workspaces(r.Context(), r.PathValue("ws"))
}

// respond sets the cookies out asks for, then sends the browser what out
// decided, or shows err on a page.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, out Outcome, err error) {
	h.setCookies(w, ws, out)
	if err == nil {
		err = h.show(w, r, ws, out)
	}
	if err != nil {
		h.pageError(w, r, ws, err)
	}
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, out Outcome) error {
	issuer := h.Service.Issuer(ws)
	switch out.Kind {
	case ShowLogin:
		status, notice := loginAnswer(out.Problem)
		return h.Pages.Render(w, status, "login", "Sign in", issuer, loginPage(ws, out, notice), out.ClientRedirect)
	case ShowConsent:
		return h.Pages.Render(w, http.StatusOK, "consent", "Allow access", issuer, consentPage(ws, out), out.ClientRedirect)
	case RedirectToClient:
		// 303, so a POSTed form is never re-posted to the client (RFC
		// 9700 §4.12).
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, out.Location, http.StatusSeeOther)
	case ConfirmLogout:
		return h.Pages.Render(w, http.StatusOK, "logout", "Sign out", issuer, web.LogoutPage{
			Action: "/" + ws.Name + "/oauth2/logout", CSRF: out.Form.CSRF, Request: out.Form.Request,
			ClientName: displayName(out.Client),
		}, out.ClientRedirect)
	case SignedOut:
		if out.Location == "" {
			return h.Pages.Render(w, http.StatusOK, "logout", "Signed out", issuer, web.LogoutPage{Done: true})
		}
		http.Redirect(w, r, out.Location, http.StatusSeeOther)
	default:
		return fmt.Errorf("interact: an outcome of unknown kind %d", out.Kind)
	}
	return nil
}

// pageError shows err as an HTML page: used where the client's redirect
// URI is not (yet) trusted, and for our own forms.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, err error) {
	oe := httpapi.ErrorResponse(w, r, err)
	if oe == nil {
		return // the browser has gone
	}
	page := web.ErrorPage{Heading: "This request cannot continue", Message: oe.Description, Detail: oe.Description,
		Code: oe.Code, RequestID: w.Header().Get("X-Request-Id")}
	switch {
	case oe.Code == oautherr.ServerError:
		page.Message, page.Detail = "Something went wrong on our side. Try again in a moment.", ""
	case oe.Code == oautherr.TemporarilyUnavailable:
		page.Message, page.Detail = "The service is briefly unavailable. Try again in a moment.", ""
	case errors.Is(err, oauth.ErrClientDisabled):
		// Nothing is wrong with the request, and its developer cannot
		// fix it: the operator turned the app off.
		page.Heading = "This application is disabled"
		page.Message = "This application has been disabled by the administrator of this sign-in service, so it cannot sign you in. " +
			"If you think that is a mistake, contact the application's provider."
		page.Detail = ""
	case fromApp(r) && oe.Status < 500:
		// The person here did nothing wrong and cannot fix the request;
		// what is wrong with it is for the app's developer.
		page.Message = "The app that sent you here made an invalid request, so it cannot go on. " +
			"Tell the app's developer; the details below are for them."
		page.ForDeveloper = true
	default:
		page.Detail = "" // the message says it already
	}
	if rerr := h.Pages.Render(w, oe.Status, "error", "Error", h.Service.Issuer(ws), page); rerr != nil {
		// err is already logged; Render writes nothing before its page is
		// whole, so the status and message still go out, as plain text.
		httpapi.Logger(r.Context()).Warn("rendering the error page", "err", rerr)
		http.Error(w, strings.TrimSpace(page.Message+"\n\n"+page.Detail), oe.Status)
	}
}

// fromApp reports whether r is a request an app sent the browser with
// (an authorization or logout request), rather than one of our own forms.
func fromApp(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/oauth2/authorize") || strings.HasSuffix(r.URL.Path, "/oauth2/logout")
}

// authorizeParams reads the query (GET) or a strict form body (POST).
func authorizeParams(w http.ResponseWriter, r *http.Request) (oauth.Params, error) {
	if r.Method == http.MethodGet {
		return oauth.Params(r.URL.Query()), nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, oautherr.InvalidRequestf("content type must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpapi.MaxFormBytes))
	if err != nil {
		return nil, oautherr.InvalidRequestf("request body too large or unreadable")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, oautherr.InvalidRequestf("malformed form encoding")
	}
	return oauth.Params(values), nil
}

func (h *Handler) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	p, err := authorizeParams(w, r)
	if err != nil {
		h.pageError(w, r, ws, err)
		return
	}
	out, err := h.Service.Authorize(r.Context(), ws, browser(r), p)
	h.respond(w, r, ws, out, err)
}

// formStep is a service call made from a posted form.
type formStep func(ctx context.Context, ws workspace.Workspace, r *http.Request, form httpapi.Form) (Outcome, error)

// postedForm adapts a form-posting step (login, consent, logout).
func (h *Handler) postedForm(step formStep) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ws, err := h.workspace(r)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		form, err := httpapi.ParseForm(w, r)
		var out Outcome
		if err == nil {
			out, err = step(r.Context(), ws, r, form)
		}
		h.respond(w, r, ws, out, err)
	}
}

func formState(form httpapi.Form) FormState {
	return FormState{CSRF: form.Get("csrf_token"), Request: form.Get("request")}
}

func (h *Handler) login(ctx context.Context, ws workspace.Workspace, r *http.Request, form httpapi.Form) (Outcome, error) {
	return h.Service.Login(ctx, ws, LoginRequest{
		Browser: browser(r), Form: formState(form),
		Username: form.Get("username"), Password: form.Get("password"), RemoteHost: remoteHost(r),
	})
}

func (h *Handler) consent(ctx context.Context, ws workspace.Workspace, r *http.Request, form httpapi.Form) (Outcome, error) {
	return h.Service.Consent(ctx, ws, ConsentRequest{
		Browser: browser(r), Form: formState(form),
		Allow: form.Get("decision") == "allow", Remember: form.Get("remember") == "1",
	})
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) handleLogoutPrompt(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := h.Service.ShowLogout(r.Context(), ws, browser(r), logoutParams(r.URL.Query()))
	h.respond(w, r, ws, out, err)
}

func logoutParams(p url.Values) LogoutParams {
	return LogoutParams{
		ClientID: p.Get("client_id"), IDTokenHint: p.Get("id_token_hint"),
		PostLogoutRedirectURI: p.Get("post_logout_redirect_uri"), State: p.Get("state"),
	}
}

// logout serves two different POSTs: an RP's logout request, which
// RP-Initiated Logout 1.0 §2 lets it send by POST as well as GET, and our
// own confirmation form. Only the confirmation carries the CSRF token and
// the sealed request we issued, and an RP never sends those names, so
// their presence tells which it is. Either way the session ends only
// through the confirmation, so a cross-site POST cannot sign anyone out.
func (h *Handler) logout(ctx context.Context, ws workspace.Workspace, r *http.Request, form httpapi.Form) (Outcome, error) {
	_, confirmation := form["request"]
	if _, hasCSRF := form["csrf_token"]; confirmation || hasCSRF {
		return h.Service.Logout(ctx, ws, LogoutRequest{Browser: browser(r), Form: formState(form)})
	}
	return h.Service.ShowLogout(ctx, ws, browser(r), logoutParams(url.Values(form)))
}
