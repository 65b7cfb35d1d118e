package oauth

import (
	"crypto"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// requestObject is a good request object of client id signed ES256 with
// "pk"'s key k1, which every parWorld client registered; changes replace
// claims (nil deletes one) and "header" the header.
func (w *parWorld) requestObject(t testing.TB, id string, changes map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"iss": id, "aud": w.s.Issuer(w.ws), "exp": w.now.Add(5 * time.Minute).Unix(), "nbf": w.now.Unix(),
		"client_id": id, "response_type": "code", "redirect_uri": webRedirect, "scope": "openid", "state": "object",
		"max_age": 300, "code_challenge": testChallenge, "code_challenge_method": "S256",
	}
	header := map[string]any{"alg": "ES256", "kid": "k1", "typ": "oauth-authz-req+jwt"}
	var key crypto.Signer = w.ecKey
	for k, v := range changes {
		switch {
		case k == "header":
			header = v.(map[string]any)
		case k == "key":
			key = v.(crypto.Signer)
		case v == nil:
			delete(claims, k)
		default:
			claims[k] = v
		}
	}
	return signAssertion(t, header, claims, key)
}

// RFC 9101 §6.3: only the object's parameters count.
func TestRequestObjectTakesThePlaceOfTheQuery(t *testing.T) {
	w := newPARWorld(t)
	req, err := w.authorize("web", Params{"request": {w.requestObject(t, "web", nil)}, "response_type": {"code"}, "state": {"query"}, "scope": {"openid profile"}})
	if err != nil {
		t.Fatal(err)
	}
	if req.State != "object" || req.Scope != "openid" || req.MaxAge == nil || *req.MaxAge != 300 || req.Pushed {
		t.Fatalf("request = %+v", req)
	}
}

func TestRequestObjectRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes func(w *parWorld) map[string]any
		query   Params
		as      string
	}{
		{"another key", func(w *parWorld) map[string]any { return map[string]any{"key": w.other} }, nil, ""},
		{"alg other than registered", func(w *parWorld) map[string]any {
			return map[string]any{"key": w.edKey, "header": map[string]any{"alg": "EdDSA", "kid": "k2"}}
		}, nil, ""},
		{"alg none", func(*parWorld) map[string]any { return map[string]any{"header": map[string]any{"alg": "none"}} }, nil, ""},
		{"alg none, registered, workspace refuses", func(*parWorld) map[string]any {
			return map[string]any{"header": map[string]any{"alg": "none"}, "iss": "unsigned", "client_id": "unsigned"}
		}, nil, "unsigned"},
		{"typ of an access token", func(*parWorld) map[string]any {
			return map[string]any{"header": map[string]any{"alg": "ES256", "kid": "k1", "typ": "at+jwt"}}
		}, nil, ""},
		{"wrong aud", func(*parWorld) map[string]any { return map[string]any{"aud": "https://other.example"} }, nil, ""},
		{"wrong iss", func(*parWorld) map[string]any { return map[string]any{"iss": "other"} }, nil, ""},
		{"no exp", func(*parWorld) map[string]any { return map[string]any{"exp": nil} }, nil, ""},
		{"expired", func(w *parWorld) map[string]any { return map[string]any{"exp": w.now.Add(-time.Second).Unix()} }, nil, ""},
		{"lives too long", func(w *parWorld) map[string]any { return map[string]any{"exp": w.now.Add(61 * time.Minute).Unix()} }, nil, ""},
		{"nbf too old", func(w *parWorld) map[string]any {
			return map[string]any{"nbf": w.now.Add(-61 * time.Minute).Unix(), "exp": w.now.Add(-time.Minute / 2).Add(time.Minute).Unix()}
		}, nil, ""},
		{"nbf ahead", func(w *parWorld) map[string]any { return map[string]any{"nbf": w.now.Add(2 * time.Minute).Unix()} }, nil, ""},
		{"client_id other than the query's", func(*parWorld) map[string]any { return map[string]any{"client_id": "other"} }, nil, ""},
		{"response_type other than the query's", nil, Params{"response_type": {"token"}}, ""},
		{"nested request_uri", func(*parWorld) map[string]any { return map[string]any{"request_uri": RequestURIPrefix + "x"} }, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newPARWorld(t)
			as := tc.as
			if as == "" {
				as = "web"
			}
			var changes map[string]any
			if tc.changes != nil {
				changes = tc.changes(w)
			}
			p := Params{"request": {w.requestObject(t, as, changes)}}
			for k, v := range tc.query {
				p[k] = v
			}
			_, err := w.authorize(as, p)
			wantCode(t, err, oautherr.InvalidRequestObject)
		})
	}
}

// An unsigned object passes only for a client registered for none in a
// workspace that admits them.
func TestUnsignedRequestObject(t *testing.T) {
	w := newPARWorld(t)
	w.ws.Settings.RequestObjects.AllowUnsigned = true
	none := map[string]any{"header": map[string]any{"alg": "none"}}
	if _, err := w.authorize("unsigned", Params{"request": {w.requestObject(t, "unsigned", none)}}); err != nil {
		t.Fatalf("registered for none: %v", err)
	}
	_, err := w.authorize("web", Params{"request": {w.requestObject(t, "web", none)}})
	wantCode(t, err, oautherr.InvalidRequestObject)
}

// RFC 9126 §3: a request object may be pushed; what it holds is checked
// there and used at authorize.
func TestPushedRequestObject(t *testing.T) {
	w := newPARWorld(t)
	uri := w.push(t, "web", Params{"request": {w.requestObject(t, "web", nil)}})
	req, err := w.authorize("web", Params{"request_uri": {uri}})
	if err != nil {
		t.Fatal(err)
	}
	if req.State != "object" || !req.Pushed {
		t.Fatalf("request = %+v", req)
	}
	_, err = w.s.PushAuthorization(t.Context(), w.ws, w.basic("web"), Params{"request": {w.requestObject(t, "web", map[string]any{"aud": "https://other.example"})}})
	wantCode(t, err, oautherr.InvalidRequestObject)
}
