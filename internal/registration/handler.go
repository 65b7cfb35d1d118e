package registration

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Handler serves RFC 7591 and RFC 7592 over HTTP.
type Handler struct {
	Service    *Service
	Workspaces workspace.Lookup
}

// Routes registers the endpoints (DESIGN.md URL layout): RFC 7591's and
// Open Banking UK's, which only workspaces of that profile answer. The
// client id wildcard takes the rest of the path, slashes included: an id
// with path characters is then an unknown client, answered 401 like any
// other, rather than a 404 telling the caller which URLs exist.
func (h *Handler) Routes(mux *http.ServeMux) {
	for _, endpoint := range append([]string{httpapi.RegisterPath}, httpapi.OpenBankingUKRegisterPaths...) {
		h.routesAt(mux, "/{ws}/"+endpoint)
	}
}

// routesAt registers a registration endpoint at base and its clients'
// URLs under it.
func (h *Handler) routesAt(mux *http.ServeMux, base string) {
	mux.HandleFunc("POST "+base, h.handleRegister)
	mux.HandleFunc("OPTIONS "+base, h.handlePreflight)
	mux.HandleFunc(base, httpapi.MethodNotAllowed("POST, OPTIONS"))
	mux.HandleFunc("GET "+base+"/{client_id...}", h.handleRead)
	// Without its own route ServeMux would answer HEAD with the GET
	// handler, which rotates the token on read.
	mux.HandleFunc("HEAD "+base+"/{client_id...}", h.handleHead)
	mux.HandleFunc("PUT "+base+"/{client_id...}", h.handleUpdate)
	mux.HandleFunc("DELETE "+base+"/{client_id...}", h.handleDelete)
	mux.HandleFunc("OPTIONS "+base+"/{client_id...}", h.handlePreflight)
	mux.HandleFunc(base+"/{client_id...}", httpapi.MethodNotAllowed("GET, HEAD, PUT, DELETE, OPTIONS"))
}

// endpointOf is the registration endpoint r came to, relative to its
// workspace, read from the route that matched, or for a path no route
// took (HandleUnclean) from the path itself.
func endpointOf(r *http.Request) string {
	if r.Pattern == "" {
		_, _, endpoint, _ := splitManagementPath(r.URL.EscapedPath())
		return endpoint
	}
	_, pattern, _ := strings.Cut(r.Pattern, " ")
	if pattern == "" {
		pattern = r.Pattern
	}
	pattern = strings.TrimPrefix(pattern, "/{ws}/")
	return strings.TrimSuffix(pattern, "/{client_id...}")
}

// IsManagementPath reports whether the escaped path p is an RFC 7592
// client URL: /{ws}/oauth2/register/ (or an Open Banking UK registration
// endpoint) and then the client id, whatever it holds, dot segments and
// slashes included. The server answers such a
// path, clean or not, as the client URL it names.
func IsManagementPath(p string) bool {
	_, _, _, ok := splitManagementPath(p)
	return ok
}

// splitManagementPath splits an RFC 7592 client URL into its workspace,
// client id (both unescaped as ServeMux unescapes path values) and
// registration endpoint; the client id is the rest of the path as sent,
// slashes and dot segments included.
func splitManagementPath(p string) (ws, clientID, endpoint string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return "", "", "", false
	}
	ws, rest, ok = strings.Cut(rest, "/")
	if !ok {
		return "", "", "", false
	}
	for _, endpoint := range append([]string{httpapi.RegisterPath}, httpapi.OpenBankingUKRegisterPaths...) {
		if id, ok := strings.CutPrefix(rest, endpoint+"/"); ok {
			return pathUnescape(ws), pathUnescape(id), endpoint, true
		}
	}
	return "", "", "", false
}

// pathUnescape is url.PathUnescape; the server has already refused a
// request line with a bad escape, so the fallback is never taken.
func pathUnescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// HandleUnclean answers an RFC 7592 client URL whose path ServeMux would
// clean (a "." or ".." segment, a doubled slash). The server keeps such a
// path from its router, which would redirect it (RFC 9700 §4.12), and
// from every endpoint, so nothing is read or changed through it. Its
// client id, the rest of the path as sent, is no client's, so it is
// answered as the clean URL of an unknown client is, by the same steps
// (every registration request is an audit event): the workspace
// is resolved (404 when there is none), the request checked as its method
// would be, and the refusal audited and answered 401 invalid_token.
func (h *Handler) HandleUnclean(w http.ResponseWriter, r *http.Request) {
	ws, clientID, _, ok := splitManagementPath(r.URL.EscapedPath())
	if !ok {
		httpapi.WriteError(w, r, oautherr.New(oautherr.NotFound, "no such endpoint"))
		return
	}
	r.SetPathValue("ws", ws)
	r.SetPathValue("client_id", clientID)
	var action string
	withBody := false
	switch r.Method {
	case http.MethodGet:
		action = "read"
	case http.MethodHead:
		action = "head"
	case http.MethodPut:
		action, withBody = "update", true
	case http.MethodDelete:
		action = "delete"
	case http.MethodOptions:
		h.handlePreflight(w, r)
		return
	default:
		httpapi.MethodNotAllowed("GET, HEAD, PUT, DELETE, OPTIONS")(w, r)
		return
	}
	wsv, req, err := h.request(w, r, action, withBody)
	if err == nil {
		err = h.Service.denyUnknownClient(r.Context(), wsv, action, clientID, req)
	}
	httpapi.WriteError(w, r, err)
}

// request is the shared front half of every endpoint: workspace and CORS,
// the bearer token (header only: RFC 6750 §2.3 discourages tokens in URLs)
// and, withBody, the body, decoded by its content type. A refusal found
// here is audited as a denial of action like those the service decides
// (every registration request is an audit event, a wrong content
// type or an oversized body included); an unknown workspace has nowhere to
// be audited.
func (h *Handler) request(w http.ResponseWriter, r *http.Request, action string, withBody bool) (workspace.Workspace, Request, error) {
	ws, err := h.workspace(w, r)
	if err != nil {
		return ws, Request{}, err
	}
	req := Request{RemoteAddr: r.RemoteAddr, Certificates: httpapi.ClientCertificates(r), Endpoint: endpointOf(r)}
	bearer, present, err := httpapi.BearerToken(r)
	req.Bearer = bearer
	if present && (err != nil || bearer == "") {
		// A header was sent but is not one Bearer token: the audit must not
		// say "none" (nothing was sent), so it reads as unchecked.
		req.Bearer = malformedBearer
		if err == nil {
			err = oautherr.InvalidTokenf("use Authorization: Bearer <token>").WithChallenge(`Bearer realm="registrar"`)
		}
	}
	// Before the body is read and before anything is audited: a flood
	// costs neither. A limited request is counted, not audited.
	if wait := h.Service.rateLimit(ws, action, req); wait > 0 {
		w.Header().Set("Retry-After", RetryAfter(wait))
		return ws, req, errSlowDown(wait)
	}
	if _, asked := r.URL.Query()["dry_run"]; asked && action != "register" && err == nil {
		// Only a registration has a dry run: a read, update or delete
		// asking for one must not act as if it had not.
		err = oautherr.InvalidRequestf("dry_run: only a registration (POST to the registration endpoint) can be tried without acting")
	}
	if err == nil && withBody {
		req.Body, req.Signed, err = decodeBody(w, r)
	}
	if err != nil {
		err = h.Service.deny(r.Context(), ws, action, r.PathValue("client_id"), req, grant{}, err)
	}
	return ws, req, err
}

// workspace resolves the path's workspace and sets CORS headers for the
// workspace's browser origins.
func (h *Handler) workspace(w http.ResponseWriter, r *http.Request) (workspace.Workspace, error) {
	ws, err := h.Workspaces(r.Context(), r.PathValue("ws"))
	if err != nil {
		return ws, err
	}
	if err := servesEndpoint(ws, endpointOf(r)); err != nil {
		return ws, err
	}
	httpapi.CORSAllowed(w, r, ws.Settings.CORSOrigins, "GET, POST, PUT, DELETE, OPTIONS")
	return ws, nil
}

// malformedBearer stands in for an Authorization header that is not a
// Bearer token, for labelling only; it never authorizes anything.
const malformedBearer = "\x00malformed"

func (h *Handler) handleRegister(w http.ResponseWriter, r *http.Request) {
	ws, req, err := h.request(w, r, "register", true)
	if err == nil {
		req.IdempotencyKey, err = idempotencyKey(r)
		if err != nil {
			err = h.Service.deny(r.Context(), ws, "register", "", req, grant{}, err)
		}
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	dryRun, err := dryRunAsked(r)
	if err != nil {
		httpapi.WriteError(w, r, h.Service.deny(r.Context(), ws, "register", "", req, grant{}, err))
		return
	}
	if dryRun {
		h.handleDryRun(w, r, ws, req)
		return
	}
	resp, err := h.Service.Register(r.Context(), ws, req)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if id, ok := resp["client_id"].(string); ok {
		httpapi.NoteClientID(r.Context(), id)
	}
	httpapi.WriteJSON(w, http.StatusCreated, resp)
}

// idempotencyKey reads the optional Idempotency-Key header: one, of 1 to
// MaxIdempotencyKey visible ASCII characters.
func idempotencyKey(r *http.Request) (string, error) {
	keys := r.Header.Values("Idempotency-Key")
	switch {
	case len(keys) == 0:
		return "", nil
	case len(keys) > 1 || !validIdempotencyKey(keys[0]):
		return "", oautherr.InvalidRequestf("Idempotency-Key must be one value of 1 to %d visible ASCII characters", MaxIdempotencyKey)
	}
	return keys[0], nil
}

func (h *Handler) handleRead(w http.ResponseWriter, r *http.Request) {
	ws, req, err := h.request(w, r, "read", false)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	resp, err := h.Service.Read(r.Context(), ws, r.PathValue("client_id"), req)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
}

// handleHead answers as handleRead would, with its status and headers
// but no content (RFC 9110 §9.3.2), and changes nothing.
func (h *Handler) handleHead(w http.ResponseWriter, r *http.Request) {
	ws, req, err := h.request(w, r, "head", false)
	if err == nil {
		err = h.Service.Head(r.Context(), ws, r.PathValue("client_id"), req)
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) handleUpdate(w http.ResponseWriter, r *http.Request) {
	ws, req, err := h.request(w, r, "update", true)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	resp, err := h.Service.Update(r.Context(), ws, r.PathValue("client_id"), req)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) handleDelete(w http.ResponseWriter, r *http.Request) {
	ws, req, err := h.request(w, r, "delete", false)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := h.Service.Delete(r.Context(), ws, r.PathValue("client_id"), req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// handlePreflight answers CORS preflights; workspace() has already set
// the headers when the origin is allowed.
func (h *Handler) handlePreflight(w http.ResponseWriter, r *http.Request) {
	if _, err := h.workspace(w, r); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
