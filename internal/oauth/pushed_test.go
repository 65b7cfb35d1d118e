package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

const (
	webRedirect   = "https://app.example/cb"
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// parWorld is the assertion world with the pushed authorization request
// endpoint on and clients of the code flow: "web" (client_secret_basic,
// request objects signed ES256 with "pk"'s keys), "other" (the same,
// another client) and "strict", which registered
// require_pushed_authorization_requests.
type parWorld struct {
	*assertionWorld
	secrets map[string]string
}

func newPARWorld(t testing.TB) *parWorld {
	t.Helper()
	w := &parWorld{assertionWorld: newAssertionWorld(t), secrets: map[string]string{}}
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	w.s.PushedRequests = sealer
	for id, md := range map[string]client.Metadata{
		"web":      {},
		"other":    {},
		"strict":   {RequirePushedAuthorizationRequests: true},
		"unsigned": {RequestObjectSigningAlg: client.UnsignedRequestObject},
	} {
		md.TokenEndpointAuthMethod = client.AuthClientSecretBasic
		md.GrantTypes = []string{client.GrantAuthorizationCode}
		md.ResponseTypes = []string{client.ResponseTypeCode}
		md.RedirectURIs = []string{webRedirect}
		md.Scope = "openid profile"
		md.JWKS = w.pkJWKS
		if md.RequestObjectSigningAlg == "" {
			md.RequestObjectSigningAlg = "ES256"
		}
		w.addClient(t, id, md)
	}
	return w
}

func (w *parWorld) addClient(t testing.TB, id string, md client.Metadata) {
	t.Helper()
	cl, sec, err := client.New(w.now, rand.Reader, w.s.Hasher, nil, "w", md, client.Provenance{Origin: client.OriginCLI})
	if err != nil {
		t.Fatal(err)
	}
	cl.ID = id
	if err := w.s.Store.CreateClient(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	w.secrets[id] = sec
}

func (w *parWorld) basic(id string) ClientEvidence {
	return ClientEvidence{ClientID: id, Secret: w.secrets[id], Basic: true}
}

// request is a good authorization request of "web".
func request(changes map[string]string) Params {
	p := Params{"response_type": {"code"}, "redirect_uri": {webRedirect}, "scope": {"openid"}, "state": {"s1"},
		"code_challenge": {testChallenge}, "code_challenge_method": {"S256"}}
	for k, v := range changes {
		if v == "" {
			delete(p, k)
		} else {
			p[k] = []string{v}
		}
	}
	return p
}

func (w *parWorld) push(t testing.TB, id string, p Params) string {
	t.Helper()
	resp, err := w.s.PushAuthorization(context.Background(), w.ws, w.basic(id), p)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if !strings.HasPrefix(resp.RequestURI, RequestURIPrefix) || resp.ExpiresIn != 60 {
		t.Fatalf("push answered %+v", resp)
	}
	return resp.RequestURI
}

func (w *parWorld) authorize(id string, p Params) (AuthorizeRequest, error) {
	p["client_id"] = []string{id}
	req, _, err := w.s.ParseAuthorize(context.Background(), w.ws, p)
	return req, err
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != code {
		t.Fatalf("err = %v; want %s", err, code)
	}
}

// RFC 9126 §4: the pushed parameters take the query's place, once.
func TestPushedRequestUsedOnce(t *testing.T) {
	w := newPARWorld(t)
	uri := w.push(t, "web", request(map[string]string{"state": "pushed"}))
	req, err := w.authorize("web", Params{"request_uri": {uri}, "state": {"query"}})
	if err != nil {
		t.Fatal(err)
	}
	if req.State != "pushed" || !req.Pushed || req.RedirectURI != webRedirect || req.Scope != "openid" {
		t.Fatalf("request = %+v", req)
	}
	_, err = w.authorize("web", Params{"request_uri": {uri}})
	wantCode(t, err, oautherr.InvalidRequestURI)
}

func TestPushedRequestRefusedAtAuthorize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		uri   func(w *parWorld, good string) string
		as    string
		later time.Duration
	}{
		{"late", func(_ *parWorld, good string) string { return good }, "web", PushedRequestTTL},
		{"another client's", func(_ *parWorld, good string) string { return good }, "other", 0},
		{"altered", func(_ *parWorld, good string) string { return good[:len(good)-2] + "AA" }, "web", 0},
		{"not ours", func(*parWorld, string) string { return "https://app.example/request.jwt" }, "web", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newPARWorld(t)
			uri := tc.uri(w, w.push(t, "web", request(nil)))
			w.now = w.now.Add(tc.later)
			_, err := w.authorize(tc.as, Params{"request_uri": {uri}})
			var re *RedirectError
			if errors.As(err, &re) {
				t.Fatalf("a bad request_uri was redirected: %v", err)
			}
			wantCode(t, err, oautherr.InvalidRequestURI)
		})
	}
}

func TestPushRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   func(w *parWorld) ClientEvidence
		p    Params
		want string
	}{
		{"wrong secret", func(w *parWorld) ClientEvidence { ev := w.basic("web"); ev.Secret += "x"; return ev }, request(nil), oautherr.InvalidClient},
		{"request_uri pushed", nil, request(map[string]string{"request_uri": RequestURIPrefix + "x"}), oautherr.InvalidRequest},
		{"unregistered redirect", nil, request(map[string]string{"redirect_uri": "https://evil.example/cb"}), oautherr.InvalidRequest},
		{"response_type token", nil, request(map[string]string{"response_type": "token"}), "unsupported_response_type"},
		{"unknown scope", nil, request(map[string]string{"scope": "openid payments"}), oautherr.InvalidScope},
		{"too large to carry", nil, request(map[string]string{"state": strings.Repeat("s", 7000)}), oautherr.InvalidRequest},
		{"plain PKCE", nil, request(map[string]string{"code_challenge": strings.Repeat("a", 43), "code_challenge_method": "plain"}), oautherr.InvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newPARWorld(t)
			ev := w.basic("web")
			if tc.ev != nil {
				ev = tc.ev(w)
			}
			_, err := w.s.PushAuthorization(context.Background(), w.ws, ev, tc.p)
			wantCode(t, err, tc.want)
			if _, ok := tc.p["request_uri"]; ok && !strings.Contains(err.Error(), "not allowed in a pushed authorization request") {
				t.Errorf("err = %v; want it to say a request_uri cannot be pushed (RFC 9126 §2.1)", err)
			}
		})
	}
}

// A client authentication parameter is no part of the pushed request.
func TestPushDropsClientCredentials(t *testing.T) {
	w := newPARWorld(t)
	w.addClient(t, "post", client.Metadata{TokenEndpointAuthMethod: client.AuthClientSecretPost, GrantTypes: []string{client.GrantAuthorizationCode},
		ResponseTypes: []string{client.ResponseTypeCode}, RedirectURIs: []string{webRedirect}, Scope: "openid"})
	ev := ClientEvidence{ClientID: "post", Secret: w.secrets["post"]}
	p := request(map[string]string{"client_id": "post", "client_secret": w.secrets["post"]})
	resp, err := w.s.PushAuthorization(context.Background(), w.ws, ev, p)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.s.PushedRequests.Open(mustDecode(t, strings.TrimPrefix(resp.RequestURI, RequestURIPrefix)), pushedAAD(w.ws))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(w.secrets["post"])) || bytes.Contains(raw, []byte("client_secret")) {
		t.Fatalf("the pushed request keeps the client secret: %s", raw)
	}
}

// RFC 9126 §5/§6: a request that was not pushed is refused where the
// workspace or the client requires pushing.
func TestRequirePushedAuthorizationRequests(t *testing.T) {
	t.Run("client", func(t *testing.T) {
		w := newPARWorld(t)
		_, err := w.authorize("strict", request(nil))
		var re *RedirectError
		if !errors.As(err, &re) || re.Err.Code != oautherr.InvalidRequest || re.State != "s1" {
			t.Fatalf("err = %v; want invalid_request redirected", err)
		}
		if _, err := w.authorize("web", request(nil)); err != nil {
			t.Fatalf("a client that does not require PAR: %v", err)
		}
		if _, err := w.authorize("strict", Params{"request_uri": {w.push(t, "strict", request(nil))}}); err != nil {
			t.Fatalf("pushed: %v", err)
		}
	})
	t.Run("workspace", func(t *testing.T) {
		w := newPARWorld(t)
		w.ws.Settings.RequirePushedAuthorizationRequests = true
		_, err := w.authorize("web", request(nil))
		wantCode(t, err, oautherr.InvalidRequest)
		// A request object is not a pushed request.
		_, err = w.authorize("web", Params{"request": {w.requestObject(t, "web", nil)}})
		wantCode(t, err, oautherr.InvalidRequest)
		if _, err := w.authorize("web", Params{"request_uri": {w.push(t, "web", request(nil))}}); err != nil {
			t.Fatalf("pushed: %v", err)
		}
	})
}

func mustDecode(t testing.TB, s string) []byte {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
