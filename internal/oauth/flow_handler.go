package oauth

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// flowRoutes registers the browser-flow endpoints. The authorization
// endpoint never answers CORS (RFC 9700 §2.6).
func (h *Handler) flowRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{ws}/oauth2/authorize", h.handleAuthorize)
	mux.HandleFunc("POST /{ws}/oauth2/authorize", h.handleAuthorize)
	mux.HandleFunc("POST /{ws}/login", h.page(h.Service.Login))
	mux.HandleFunc("POST /{ws}/consent", h.page(h.Service.Consent))
	mux.HandleFunc("GET /{ws}/oauth2/logout", h.handleLogoutPrompt)
	mux.HandleFunc("POST /{ws}/oauth2/logout", h.page(h.logoutPost))
	mux.HandleFunc("GET /{ws}/oauth2/userinfo", h.handleUserInfo)
	mux.HandleFunc("POST /{ws}/oauth2/userinfo", h.handleUserInfo)
	mux.HandleFunc("OPTIONS /{ws}/oauth2/userinfo", h.handlePreflight)
	// Every other method on these paths: 405 with Allow, not the 404 of
	// the catch-all route.
	for path, allow := range map[string]string{
		"/{ws}/oauth2/authorize": "GET, HEAD, POST",
		"/{ws}/login":            "POST",
		"/{ws}/consent":          "POST",
		"/{ws}/oauth2/logout":    "GET, HEAD, POST",
		"/{ws}/oauth2/userinfo":  "GET, HEAD, POST, OPTIONS",
	} {
		mux.HandleFunc(path, httpapi.MethodNotAllowed(allow))
	}
}

// pageError shows err as an HTML page: used where the client's redirect
// URI is not (yet) trusted, and for our own forms.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, err error) {
	oe := httpapi.ErrorResponse(w, r, err)
	if oe == nil {
		return // the browser has gone
	}
	message := oe.Description
	switch oe.Code {
	case oautherr.ServerError:
		message = "Something went wrong on our side. Try again in a moment."
	case oautherr.TemporarilyUnavailable:
		message = "The service is briefly unavailable. Try again in a moment."
	}
	page := web.ErrorPage{Heading: "This request cannot continue", Message: message, Code: oe.Code}
	if rerr := h.Service.Flow.Pages.Render(w, oe.Status, "error", "Error", h.Service.Issuer(ws), page); rerr != nil {
		// err is already logged; Render writes nothing before its page is
		// whole, so the status and message still go out, as plain text.
		httpapi.Logger(r.Context()).Warn("rendering the error page", "err", rerr)
		http.Error(w, message, oe.Status)
	}
}

// authorizeParams reads the query (GET) or a strict form body (POST).
func authorizeParams(w http.ResponseWriter, r *http.Request) (Params, error) {
	if r.Method == http.MethodGet {
		return Params(r.URL.Query()), nil
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
	return Params(values), nil
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
	req, cl, err := h.Service.ParseAuthorize(r.Context(), ws, p)
	if err == nil {
		err = h.Service.Authorize(r.Context(), ws, w, r, req, cl)
	}
	h.finish(w, r, ws, h.Service.holdUntrustedRedirect(r.Context(), ws, r, cl, err))
}

// finish sends an error after redirect validation back to the client,
// and any other error to a page.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, err error) {
	if err == nil {
		return
	}
	var re *RedirectError
	if errors.As(err, &re) {
		h.Service.redirect(w, r, ws, AuthorizeRequest{RedirectURI: re.RedirectURI, State: re.State},
			url.Values{"error": {re.Err.Code}, "error_description": {re.Err.Description}})
		return
	}
	h.pageError(w, r, ws, err)
}

// page adapts a form-posting page step (login, consent).
func (h *Handler) page(step func(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, form httpapi.Form) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ws, err := h.workspace(r)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		form, err := httpapi.ParseForm(w, r)
		if err == nil {
			err = step(r.Context(), ws, w, r, form)
		}
		h.finish(w, r, ws, err)
	}
}

func (h *Handler) handleLogoutPrompt(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := h.Service.ShowLogout(r.Context(), ws, w, r, r.URL.Query()); err != nil {
		h.pageError(w, r, ws, err)
	}
}

// logoutPost serves two different POSTs: an RP's logout request, which
// RP-Initiated Logout 1.0 §2 lets it send by POST as well as GET, and our
// own confirmation form. Only the confirmation carries the CSRF token and
// the sealed request we issued, and an RP never sends those names, so
// their presence tells which it is. Either way the session ends only
// through the confirmation, so a cross-site POST cannot sign anyone out.
func (h *Handler) logoutPost(ctx context.Context, ws workspace.Workspace, w http.ResponseWriter, r *http.Request, form httpapi.Form) error {
	_, confirmation := form["request"]
	if _, hasCSRF := form["csrf_token"]; confirmation || hasCSRF {
		return h.Service.Logout(ctx, ws, w, r, form)
	}
	return h.Service.ShowLogout(ctx, ws, w, r, url.Values(form))
}

func (h *Handler) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.CORSAllowed(w, r, ws.Settings.CORSOrigins, "GET, POST, OPTIONS")
	bearer, err := userInfoToken(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	claims, err := h.Service.UserInfo(r.Context(), ws, bearer)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, claims)
}

// userInfoToken finds the access token of a userinfo request: in the
// Authorization header (RFC 6750 §2.1) or in the access_token parameter of
// a POSTed form (§2.2). One in the query (§2.3) is never taken, since URLs
// end up in logs and Referer headers: alone it counts as no token. A token
// sent in more than one way, the query included, is refused (§2, §3.1).
func userInfoToken(w http.ResponseWriter, r *http.Request) (string, error) {
	header, present, err := httpapi.BearerToken(r)
	if err != nil {
		return "", err
	}
	if present && header == "" {
		return "", errBearerToken(oautherr.InvalidToken, "use Authorization: Bearer <token>")
	}
	body, err := formAccessToken(w, r)
	if err != nil {
		return "", err
	}
	ways := 0
	for _, used := range []bool{header != "", body != "", r.URL.Query().Has("access_token")} {
		if used {
			ways++
		}
	}
	if ways > 1 {
		return "", oautherr.InvalidRequestf("the access token was sent in more than one way; send it once")
	}
	if header != "" {
		return header, nil
	}
	return body, nil
}

// formAccessToken is the access_token parameter of the body when it may
// hold one (RFC 6750 §2.2): a POST of application/x-www-form-urlencoded.
// Any other body is not read, so its content counts for nothing.
func formAccessToken(w http.ResponseWriter, r *http.Request) (string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost || mt != "application/x-www-form-urlencoded" {
		return "", nil
	}
	form, err := httpapi.ParseForm(w, r)
	if err != nil {
		return "", err
	}
	return form.Get("access_token"), nil
}
