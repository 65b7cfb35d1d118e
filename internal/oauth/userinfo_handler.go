package oauth

import (
	"mime"
	"net/http"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// flowRoutes registers the endpoints that serve users signed in through
// the browser flow (whose own pages internal/interact routes).
func (h *Handler) flowRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{ws}/oauth2/userinfo", h.handleUserInfo)
	mux.HandleFunc("POST /{ws}/oauth2/userinfo", h.handleUserInfo)
	mux.HandleFunc("OPTIONS /{ws}/oauth2/userinfo", h.handlePreflight)
	// Every other method: 405 with Allow, not the 404 of the catch-all route.
	mux.HandleFunc("/{ws}/oauth2/userinfo", httpapi.MethodNotAllowed("GET, HEAD, POST, OPTIONS"))
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
