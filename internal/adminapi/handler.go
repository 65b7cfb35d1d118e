// Package adminapi is the admin HTTP API under /admin/api/v1/: it
// authenticates the admin token, decodes requests into the admin
// service's typed ones and encodes what it returns. The service decides;
// nothing here knows SQL or OAuth.
package adminapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// Prefix is where the API lives.
const Prefix = "/admin/api/v1"

// Handler serves the admin API.
type Handler struct {
	Service *admin.Service
	// Failures throttles callers by address once they present wrong
	// tokens; nil throttles nothing.
	Failures *Throttle
}

// Mux is where Routes registers: an *http.ServeMux.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// route is one endpoint: the mux pattern and its handler, which gets
// the authenticated request.
type route struct {
	pattern string
	handle  func(h *Handler, w http.ResponseWriter, r *http.Request) error
}

// routes is the API, in the order the OpenAPI document lists it.
var routes = []route{
	{"GET " + Prefix + "/workspaces", (*Handler).listWorkspaces},
	{"POST " + Prefix + "/workspaces", (*Handler).createWorkspace},
	{"GET " + Prefix + "/workspaces/{ws}", (*Handler).getWorkspace},
	{"PATCH " + Prefix + "/workspaces/{ws}", (*Handler).patchWorkspace},
	{"GET " + Prefix + "/workspaces/{ws}/clients", (*Handler).listClients},
	{"POST " + Prefix + "/workspaces/{ws}/clients", (*Handler).createClient},
	{"GET " + Prefix + "/workspaces/{ws}/clients/{id}", (*Handler).getClient},
	{"PUT " + Prefix + "/workspaces/{ws}/clients/{id}", (*Handler).updateClient},
	{"DELETE " + Prefix + "/workspaces/{ws}/clients/{id}", (*Handler).deleteClient},
	{"POST " + Prefix + "/workspaces/{ws}/clients/{id}/disable", (*Handler).disableClient},
	{"POST " + Prefix + "/workspaces/{ws}/clients/{id}/enable", (*Handler).enableClient},
	{"POST " + Prefix + "/workspaces/{ws}/clients/{id}/registration-access-token", (*Handler).reissueRegistrationToken},
	{"POST " + Prefix + "/workspaces/{ws}/clients/{id}/secret", (*Handler).rotateSecret},
	{"GET " + Prefix + "/workspaces/{ws}/initial-access-tokens", (*Handler).listIATs},
	{"POST " + Prefix + "/workspaces/{ws}/initial-access-tokens", (*Handler).createIAT},
	{"DELETE " + Prefix + "/workspaces/{ws}/initial-access-tokens/{id}", (*Handler).revokeIAT},
	{"GET " + Prefix + "/workspaces/{ws}/users", (*Handler).listUsers},
	{"POST " + Prefix + "/workspaces/{ws}/users", (*Handler).addUser},
	{"GET " + Prefix + "/workspaces/{ws}/users/{id}", (*Handler).getUser},
	{"DELETE " + Prefix + "/workspaces/{ws}/users/{id}", (*Handler).deleteUser},
	{"POST " + Prefix + "/workspaces/{ws}/users/{id}/password", (*Handler).resetPassword},
	{"POST " + Prefix + "/workspaces/{ws}/users/{id}/unlock", (*Handler).unlockUser},
	{"GET " + Prefix + "/workspaces/{ws}/keys", (*Handler).listKeys},
	{"POST " + Prefix + "/workspaces/{ws}/keys", (*Handler).rotateKeys},
	{"GET " + Prefix + "/workspaces/{ws}/audit", (*Handler).listAudit},
}

// Routes registers the API on mux: the OpenAPI document, open to anyone
// (it holds no data), every route behind an admin token, and a JSON 404
// for any other path under the prefix.
func (h *Handler) Routes(mux Mux) {
	mux.HandleFunc("GET "+Prefix+"/openapi.json", handleOpenAPI)
	allowed := map[string][]string{} // path → its methods, in table order
	var paths []string
	for _, rt := range routes {
		mux.Handle(rt.pattern, h.authenticated(rt.handle))
		method, path, _ := strings.Cut(rt.pattern, " ")
		if allowed[path] == nil {
			paths = append(paths, path)
		}
		allowed[path] = append(allowed[path], method)
	}
	// A known path asked with another method: 405 naming those it takes.
	for _, path := range paths {
		mux.HandleFunc(path, httpapi.MethodNotAllowed(strings.Join(allowed[path], ", ")))
	}
	mux.Handle(Prefix+"/", h.authenticated(func(*Handler, http.ResponseWriter, *http.Request) error {
		return refusal(http.StatusNotFound, "not_found", "no such resource or method in the admin API")
	}))
}

// authenticated checks the admin token before anything is read, so that
// nothing answers a caller without one but 401 (or 429 for an address
// that has failed too often); the admin it names is put in the context,
// where the service finds whom to audit.
func (h *Handler) authenticated(handle func(*Handler, http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := httpapi.Logger(r.Context())
		end, wait, ok := h.Failures.Begin(r.RemoteAddr)
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			log.Warn("admin api: address throttled after failed tokens", "remote_addr", r.RemoteAddr)
			httpapi.WriteError(w, r, refusal(http.StatusTooManyRequests, "too_many_requests", "too many failed admin tokens from this address; retry later"))
			return
		}
		a, err := h.authenticate(r)
		end(errors.Is(err, admin.ErrUnauthorized))
		if err != nil {
			if errors.Is(err, admin.ErrUnauthorized) {
				log.Warn("admin api: refused admin token", "remote_addr", r.RemoteAddr, "method", r.Method, "path", r.URL.Path)
			}
			httpapi.WriteError(w, r, err)
			return
		}
		a.RemoteAddr = httpapi.Address(r.RemoteAddr)
		if strings.Contains(r.Pattern, "/clients/{id}") {
			httpapi.NoteClientID(r.Context(), r.PathValue("id"))
		}
		log.Info("admin api call", "admin", a.Name, "admin_token_id", a.TokenID, "method", r.Method, "path", r.URL.Path)
		r = r.WithContext(admin.WithAdmin(r.Context(), a))
		if err := handle(h, w, r); err != nil {
			httpapi.WriteError(w, r, answer(err))
		}
	})
}

var errNoToken = refusal(http.StatusUnauthorized, oautherr.InvalidToken, "an admin token is required (Authorization: Bearer)").
	WithChallenge(`Bearer realm="registrar-admin"`)

func (h *Handler) authenticate(r *http.Request) (admin.Admin, error) {
	token, _, err := httpapi.BearerToken(r)
	if err != nil {
		return admin.Admin{}, err
	}
	if token == "" {
		return admin.Admin{}, errors.Join(admin.ErrUnauthorized, errNoToken)
	}
	a, err := h.Service.CheckAdminToken(r.Context(), token)
	if errors.Is(err, admin.ErrUnauthorized) {
		return a, errors.Join(admin.ErrUnauthorized, refusal(http.StatusUnauthorized, oautherr.InvalidToken,
			"the admin token is unknown, expired or revoked").WithChallenge(`Bearer realm="registrar-admin", error="invalid_token"`))
	}
	return a, err
}

func refusal(status int, code, description string) *oautherr.Error {
	return oautherr.New(code, "%s", description).WithStatus(status)
}

// answer maps the service's refusals onto statuses; protocol errors
// (invalid client metadata) and failures pass as they are.
func answer(err error) error {
	var ae *admin.Error
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case errors.Is(ae.Kind, admin.ErrNotFound):
		return refusal(http.StatusNotFound, "not_found", ae.Message)
	case errors.Is(ae.Kind, admin.ErrConflict):
		return refusal(http.StatusConflict, "conflict", ae.Message)
	}
	return refusal(http.StatusBadRequest, oautherr.InvalidRequest, ae.Message)
}

// list is every list's answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func writeList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	httpapi.WriteJSON(w, http.StatusOK, list[T]{Items: items, NextCursor: next})
}

// wholeList answers a list the service returns whole (a workspace's
// tokens, users, keys: tens, not thousands) in the same paged shape, so
// that a client pages every list alike.
func wholeList[T any](w http.ResponseWriter, r *http.Request, all []T) error {
	limit, offset, err := offsetPage(r)
	if err != nil {
		return err
	}
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	writeList(w, all[start:end], next)
	return nil
}

// maxBody bounds a request body.
const maxBody = 64 << 10

// readBody reads a JSON body of at most maxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return nil, refusal(http.StatusUnsupportedMediaType, oautherr.InvalidRequest, "the body must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, refusal(http.StatusRequestEntityTooLarge, oautherr.InvalidRequest, "the body is larger than 64 KiB")
	}
	return body, err
}
