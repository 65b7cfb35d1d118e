package oauth

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Handler serves the protocol endpoints over HTTP.
type Handler struct {
	Service    *Service
	Workspaces workspace.Lookup
}

// Routes registers the endpoints on mux (DESIGN.md URL layout).
func (h *Handler) Routes(mux *http.ServeMux) {
	h.PublicRoutes(mux)
	h.TokenRoutes(mux)
}

// PublicRoutes registers what every node serves, whatever its roles:
// discovery and the key set.
func (h *Handler) PublicRoutes(mux *http.ServeMux) {
	for _, p := range []string{
		"/{ws}/.well-known/openid-configuration",
		"/{ws}/.well-known/oauth-authorization-server",
		// RFC 8414 §3.1: the well-known segment goes between host and path.
		"/.well-known/oauth-authorization-server/{ws}",
		"/.well-known/openid-configuration/{ws}",
	} {
		mux.HandleFunc("GET "+p, h.handleDiscovery)
		mux.HandleFunc("OPTIONS "+p, handlePublicPreflight)
		mux.HandleFunc(p, httpapi.MethodNotAllowed("GET, HEAD, OPTIONS"))
	}
	mux.HandleFunc("GET /{ws}/.well-known/jwks.json", h.handleJWKS)
	mux.HandleFunc("OPTIONS /{ws}/.well-known/jwks.json", handlePublicPreflight)
	mux.HandleFunc("/{ws}/.well-known/jwks.json", httpapi.MethodNotAllowed("GET, HEAD, OPTIONS"))
}

// TokenRoutes registers the endpoints that take and give tokens (token,
// introspection, revocation and, with the browser flow, PAR and userinfo).
func (h *Handler) TokenRoutes(mux *http.ServeMux) {
	h.post(mux, "/{ws}/oauth2/token", h.handleToken)
	h.post(mux, "/{ws}/oauth2/introspect", h.handleIntrospect)
	h.post(mux, "/{ws}/oauth2/revoke", h.handleRevoke)
	if h.Service.Flow != nil {
		h.flowRoutes(mux)
	}
}

// post registers a POST-only endpoint with its CORS preflight and a JSON
// 405 for every other method (the mux's own 405 is plain text).
func (h *Handler) post(mux *http.ServeMux, path string, fn http.HandlerFunc) {
	mux.HandleFunc("POST "+path, fn)
	mux.HandleFunc("OPTIONS "+path, h.handlePreflight)
	mux.HandleFunc(path, httpapi.MethodNotAllowed("POST, OPTIONS"))
}

// workspace resolves {ws}; an unknown one is a 404 JSON error.
func (h *Handler) workspace(r *http.Request) (workspace.Workspace, error) {
	return h.Workspaces(r.Context(), r.PathValue("ws"))
}

func (h *Handler) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	body, err := json.Marshal(h.Service.Discovery(ws))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.CORSAnyOrigin(w)
	httpapi.WritePublicJSON(w, body, 300)
}

func (h *Handler) handleJWKS(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	body, err := h.Service.Keys.JWKS(r.Context(), ws.Name)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.CORSAnyOrigin(w)
	// A rotated-in key is published this long (and the key refresh) before
	// it signs, so no verifier holds a JWKS without it (keyring.Ring.Rotate).
	httpapi.WritePublicJSON(w, body, int(ws.Settings.JWKSCacheTTL()/time.Second))
}

func handlePublicPreflight(w http.ResponseWriter, r *http.Request) {
	httpapi.CORSPublicPreflight(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// handlePreflight allows only the workspace's configured origins.
func (h *Handler) handlePreflight(w http.ResponseWriter, r *http.Request) {
	ws, err := h.workspace(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.CORSAllowed(w, r, ws.Settings.CORSOrigins, "POST, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}

// clientRequest is the shared front half of every client-authenticated
// endpoint: workspace, CORS, strict form, client evidence. One owner, so no
// endpoint can skip a step.
func (h *Handler) clientRequest(w http.ResponseWriter, r *http.Request) (workspace.Workspace, httpapi.Form, ClientEvidence, error) {
	ws, err := h.workspace(r)
	if err != nil {
		return ws, nil, ClientEvidence{}, err
	}
	httpapi.CORSAllowed(w, r, ws.Settings.CORSOrigins, "POST, OPTIONS")
	form, err := httpapi.ParseForm(w, r, "resource")
	if err != nil {
		return ws, nil, ClientEvidence{}, err
	}
	ev, err := readClientEvidence(r, form)
	httpapi.NoteClientID(r.Context(), ev.ClientID)
	return ws, form, ev, err
}

func (h *Handler) handleToken(w http.ResponseWriter, r *http.Request) {
	ws, form, ev, err := h.clientRequest(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	resp, err := h.Service.Token(r.Context(), ws, ev, decodeTokenRequest(form))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
}

func decodeTokenRequest(form httpapi.Form) TokenRequest {
	return TokenRequest{
		GrantType:    form.Get("grant_type"),
		Scope:        form.Get("scope"),
		Code:         form.Get("code"),
		RedirectURI:  form.Get("redirect_uri"),
		CodeVerifier: form.Get("code_verifier"),
		RefreshToken: form.Get("refresh_token"),
		Resources:    form.All("resource"),
	}
}

// decodeTokenReference reads the parameters introspection and revocation
// share (RFC 7662 §2.1, RFC 7009 §2.1).
func decodeTokenReference(form httpapi.Form) IntrospectionRequest {
	return IntrospectionRequest{Token: form.Get("token"), TokenTypeHint: form.Get("token_type_hint")}
}

func (h *Handler) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ws, form, ev, err := h.clientRequest(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	resp, err := h.Service.Introspect(r.Context(), ws, ev, decodeTokenReference(form))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ws, form, ev, err := h.clientRequest(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := h.Service.Revoke(r.Context(), ws, ev, RevocationRequest(decodeTokenReference(form))); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	// RFC 7009 §2.2: 200, the body is ignored by the client.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}
