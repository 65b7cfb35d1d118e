package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// RequestURIPrefix begins every request_uri the pushed authorization
// request endpoint issues (RFC 9126 §2.2).
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PushedRequestTTL is how long a pushed request may wait for the browser:
// RFC 9126 §2.2's example, well under FAPI 2.0's 600 seconds.
const PushedRequestTTL = 60 * time.Second

// maxRequestURI bounds a request_uri, which carries its request sealed:
// the browser brings it back in the authorization URL, and a request line
// much longer than this is cut by proxies and refused by our own listener
// (its header limit). A real request is a few hundred bytes.
const maxRequestURI = 8 << 10

// RequestSealer seals pushed authorization requests into the request_uri
// handed back (masterkey.Sealer: AES-GCM).
type RequestSealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// PushedAuthorization answers a pushed authorization request (RFC 9126 §2.2).
type PushedAuthorization struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// pushedRequest is what a request_uri holds, sealed: the parameters of a
// request validated when pushed, for the client that pushed it. Sealing
// keeps them from the browser and from any change on the way, and every
// node can open them; ID makes the request_uri usable once, through the
// store, across nodes.
type pushedRequest struct {
	ClientID string `json:"client_id"`
	Params   Params `json:"params"`
	ID       string `json:"id"`
	Expires  int64  `json:"exp"`
}

func pushedAAD(ws workspace.Workspace) []byte {
	return []byte("pushed-authorization-request:" + ws.Name)
}

// clientAuthParams authenticate the client; they are no part of the
// authorization request it pushes, and are not kept.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// PushAuthorization answers a pushed authorization request (RFC 9126 §2):
// the client authenticates as at the token endpoint, its request (or the
// request object it sends, RFC 9126 §3) is validated as the authorization
// endpoint would, and the answer is a single-use request_uri for it.
func (s *Service) PushAuthorization(ctx context.Context, ws workspace.Workspace, ev ClientEvidence, p Params) (PushedAuthorization, error) {
	cl, err := s.Authenticate(ctx, ws, ev)
	if err != nil {
		return PushedAuthorization{}, err
	}
	p = maps.Clone(p)
	for _, name := range clientAuthParams {
		delete(p, name)
	}
	if _, ok := p["request_uri"]; ok {
		// RFC 9126 §2.1: a request_uri cannot be pushed.
		return PushedAuthorization{}, oautherr.InvalidRequestf("request_uri is not allowed in a pushed authorization request")
	}
	// The evidence has matched any client_id sent to the client's.
	p["client_id"] = []string{cl.ID}
	if _, ok := p["request"]; ok {
		if p, err = s.requestObjectParams(ctx, ws, cl, p); err != nil {
			return PushedAuthorization{}, err
		}
	}
	if _, err := s.validateAuthorize(ws, cl, p, true); err != nil {
		// Not redirected: the client is here, and answered in JSON.
		var re *RedirectError
		if errors.As(err, &re) {
			err = re.Err
		}
		return PushedAuthorization{}, err
	}
	uri, err := s.sealPushed(ws, pushedRequest{ClientID: cl.ID, Params: p})
	if err != nil {
		return PushedAuthorization{}, err
	}
	return PushedAuthorization{RequestURI: uri, ExpiresIn: int64(PushedRequestTTL / time.Second)}, nil
}

// sealPushed seals pr with a new ID and its expiry into a request_uri.
func (s *Service) sealPushed(ws workspace.Workspace, pr pushedRequest) (string, error) {
	id, err := secret.ID(s.Random(), 16)
	if err != nil {
		return "", err
	}
	pr.ID, pr.Expires = id, s.Time().Add(PushedRequestTTL).Unix()
	raw, err := json.Marshal(pr)
	if err != nil {
		return "", err
	}
	sealed, err := s.PushedRequests.Seal(raw, pushedAAD(ws))
	if err != nil {
		return "", err
	}
	uri := RequestURIPrefix + base64.RawURLEncoding.EncodeToString(sealed)
	if len(uri) > maxRequestURI {
		return "", oautherr.InvalidRequestf("the pushed request is too large: its parameters must come to less than about %d bytes", maxRequestURI*3/4)
	}
	return uri, nil
}

func errRequestURI(format string, args ...any) *oautherr.Error {
	return oautherr.New(oautherr.InvalidRequestURI, "request_uri "+format, args...)
}

// openPushed returns the parameters of the request cl pushed as uri and
// spends uri: RFC 9126 §4, a request_uri is used once and not after it
// expires. request_uri values of any other kind are refused, never
// fetched.
func (s *Service) openPushed(ctx context.Context, ws workspace.Workspace, cl client.Client, uri string) (Params, error) {
	ref, ok := strings.CutPrefix(uri, RequestURIPrefix)
	if !ok || s.PushedRequests == nil {
		return nil, errRequestURI("is not one this server issued; request_uri values are never fetched: push the request to the pushed authorization request endpoint")
	}
	sealed, err := base64.RawURLEncoding.DecodeString(ref)
	var raw []byte
	if err == nil {
		raw, err = s.PushedRequests.Open(sealed, pushedAAD(ws))
	}
	var pr pushedRequest
	if err != nil || json.Unmarshal(raw, &pr) != nil || pr.ID == "" {
		return nil, errRequestURI("is not one this server issued for this workspace, or was altered")
	}
	if pr.ClientID != cl.ID {
		return nil, errRequestURI("was pushed by another client")
	}
	expires := time.Unix(pr.Expires, 0).UTC()
	if !s.Time().Before(expires) {
		return nil, errRequestURI("has expired; push the request again")
	}
	fresh, err := s.Store.UseRequestOnce(ctx, ws.Name, "par:"+pr.ID, expires)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, errRequestURI("has been used already; push the request again")
	}
	return pr.Params, nil
}

func (h *Handler) handlePushedAuthorization(w http.ResponseWriter, r *http.Request) {
	ws, form, ev, err := h.clientRequest(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	resp, err := h.Service.PushAuthorization(r.Context(), ws, ev, Params(form))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, resp)
}
