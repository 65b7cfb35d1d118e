package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/oauth"
)

// parClient is a client of the code flow as the pushed authorization
// request endpoint sees it: how it authenticates (auth adds its
// credentials to a form and returns the headers to send) and the
// authorization request it pushes.
type parClient struct {
	f        *flowFixture
	id       string
	redirect string
	auth     func(form url.Values) []string
}

// basicPARClient is the fixture's confidential client, with its secret
// in a Basic header.
func (f *flowFixture) basicPARClient() *parClient {
	c := f.confidential()
	return &parClient{f: f, id: c.clientID, redirect: c.redirect, auth: func(url.Values) []string {
		return []string{"Authorization", basicAuth(c.clientID, c.secret)}
	}}
}

func (c *parClient) issuer() string { return c.f.n.Base + "/default" }

// authorizationRequest is a good request of the client, with PKCE.
func (c *parClient) authorizationRequest(extra url.Values) url.Values {
	_, challenge := pkce()
	form := url.Values{"response_type": {"code"}, "redirect_uri": {c.redirect}, "scope": {"openid"}, "state": {"pushed-state"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	for k, vs := range extra {
		form[k] = vs
	}
	return form
}

// push sends form to the pushed authorization request endpoint.
func (c *parClient) push(form url.Values) response {
	headers := c.auth(form)
	return postForm(c.f.n.t, c.issuer()+"/oauth2/par", form, headers...)
}

// mustPush pushes form and returns the request_uri.
func (c *parClient) mustPush(form url.Values) string {
	t := c.f.n.t
	t.Helper()
	r := c.push(form)
	if r.Status != http.StatusCreated || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("PAR: %d %v %s", r.Status, r.Header, r.Body)
	}
	body := r.JSON(t)
	uri, _ := body["request_uri"].(string)
	if !strings.HasPrefix(uri, oauth.RequestURIPrefix) || body["expires_in"] != float64(60) {
		t.Fatalf("PAR answered %s", r.Body)
	}
	return uri
}

// authorizeWith is the authorization URL carrying only client_id and
// request_uri, as RFC 9126 §4 has the client send.
func (c *parClient) authorizeWith(requestURI string) string {
	return c.issuer() + "/oauth2/authorize?" + url.Values{"client_id": {c.id}, "request_uri": {requestURI}}.Encode()
}

// redeem exchanges code with the client's authentication and the
// fixture's PKCE verifier.
func (c *parClient) redeem(code string) response {
	verifier, _ := pkce()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirect}, "code_verifier": {verifier}}
	headers := c.auth(form)
	return postForm(c.f.n.t, c.issuer()+"/oauth2/token", form, headers...)
}

// wantCodeWithIss fails unless u is the client's redirect with a code, the
// pushed state and iss (RFC 9207), and returns the code.
func (c *parClient) wantCodeWithIss(u *url.URL) string {
	t := c.f.n.t
	t.Helper()
	q := u.Query()
	if !strings.HasPrefix(u.String(), c.redirect) || q.Get("code") == "" || q.Get("state") != "pushed-state" || q.Get("iss") != c.issuer() {
		t.Fatalf("authorization response %v; want a code, the pushed state and iss", u)
	}
	return q.Get("code")
}

// TestPushedAuthorizationWithClientSecretBasic: a confidential client
// pushes its request (RFC 9126), the browser goes through sign-in and
// consent with only client_id and request_uri, and the code redeems. The
// request_uri works once, and not after 60 seconds.
func TestPushedAuthorizationWithClientSecretBasic(t *testing.T) {
	f := newFlowFixture(t, "")
	c := f.basicPARClient()
	disc := get(t, c.issuer()+"/.well-known/openid-configuration").JSON(t)
	if disc["pushed_authorization_request_endpoint"] != c.issuer()+"/oauth2/par" || disc["authorization_response_iss_parameter_supported"] != true ||
		disc["request_parameter_supported"] != true || disc["require_pushed_authorization_requests"] != nil {
		t.Errorf("discovery: %v", disc)
	}

	uri := c.mustPush(c.authorizationRequest(nil))
	a := newAgent(t)
	code := c.wantCodeWithIss(f.signInAt(a, c.authorizeWith(uri), "carol", "correct horse battery"))
	if r := c.redeem(code); r.Status != 200 || r.JSON(t)["id_token"] == nil {
		t.Fatalf("redeeming the code: %d %s", r.Status, r.Body)
	}
	wantErrorPage(t, "request_uri used twice", a.do(http.MethodGet, c.authorizeWith(uri), nil), "invalid_request_uri")

	late := c.mustPush(c.authorizationRequest(nil))
	f.n.advance(61 * time.Second)
	wantErrorPage(t, "request_uri after 60 s", a.do(http.MethodGet, c.authorizeWith(late), nil), "invalid_request_uri")

	// Another client cannot play it, nor can a request_uri that was never issued.
	mine := c.mustPush(c.authorizationRequest(nil))
	stolen := c.issuer() + "/oauth2/authorize?" + url.Values{"client_id": {f.clientID}, "request_uri": {mine}}.Encode()
	wantErrorPage(t, "another client's request_uri", a.do(http.MethodGet, stolen, nil), "invalid_request_uri")
	wantErrorPage(t, "a request_uri to fetch", a.do(http.MethodGet, c.authorizeWith("https://app.example/request.jwt"), nil), "invalid_request_uri")

	// Refusals at the endpoint: JSON, nothing pushed.
	wantError(t, postForm(t, c.issuer()+"/oauth2/par", c.authorizationRequest(nil)), 401, "invalid_client")
	wantError(t, postForm(t, c.issuer()+"/oauth2/par", c.authorizationRequest(nil), "Authorization", basicAuth(c.id, "wrong")), 401, "invalid_client")
	wantError(t, c.push(c.authorizationRequest(url.Values{"request_uri": {uri}})), 400, "invalid_request", "request_uri")
	wantError(t, c.push(c.authorizationRequest(url.Values{"redirect_uri": {"https://evil.example/cb"}})), 400, "invalid_request", "redirect_uri")
	wantError(t, c.push(c.authorizationRequest(url.Values{"response_type": {"token"}})), 400, "unsupported_response_type")
	wantError(t, c.push(c.authorizationRequest(url.Values{"scope": {"openid email"}})), 400, "invalid_scope")
	if r := get(t, c.issuer()+"/oauth2/par"); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET par: %d", r.Status)
	}
}

// requestObjectClient is a private_key_jwt client registered through DCR
// with its ES256 key, whose request objects must be signed ES256.
func (f *flowFixture) requestObjectClient(t *testing.T, extra string) (*parClient, assertionKey) {
	t.Helper()
	key := newAssertionKey(t, "k1")
	reg := f.n.mustRegister("default", f.n.iat("default", 1), `{"redirect_uris":["https://app.example/cb"],"scope":"openid","grant_types":["authorization_code"],
		"token_endpoint_auth_method":"private_key_jwt","request_object_signing_alg":"ES256","jwks":`+key.jwks+extra+`}`)
	if reg["request_object_signing_alg"] != "ES256" {
		t.Fatalf("registration: %v", reg)
	}
	c := &parClient{f: f, id: reg["client_id"].(string), redirect: "https://app.example/cb"}
	c.auth = func(form url.Values) []string {
		// RFC 9126 §2: the issuer is a good aud at this endpoint.
		withAssertion(form, key.sign(t, assertionClaims(f.n, c.id, c.issuer())))
		return nil
	}
	return c, key
}

// requestObject signs the client's authorization request as a request
// object (RFC 9101), with changes to its claims (nil deletes one).
func (c *parClient) requestObject(key assertionKey, changes map[string]any) string {
	t := c.f.n.t
	t.Helper()
	now := c.f.n.now()
	claims := map[string]any{"iss": c.id, "aud": c.issuer(), "client_id": c.id, "exp": now.Add(5 * time.Minute).Unix(), "nbf": now.Unix()}
	for k, vs := range c.authorizationRequest(nil) {
		claims[k] = vs[0]
	}
	for k, v := range changes {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	tok, err := key.signer.Sign("oauth-authz-req+jwt", claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned is claims as a JWT with alg none.
func unsigned(t *testing.T, claims map[string]any) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(payload) + "."
}

// TestPushedSignedRequestObjectWithPrivateKeyJWT: a private_key_jwt
// client pushes a signed request object (RFC 9126 §3, RFC 9101); the
// browser's request carries only the request_uri, and the object's
// parameters are the ones used. A bad object is refused at the endpoint,
// and at the authorization endpoint a signed object stands for the query.
func TestPushedSignedRequestObjectWithPrivateKeyJWT(t *testing.T) {
	f := newFlowFixture(t, "")
	c, key := f.requestObjectClient(t, "")
	uri := c.mustPush(url.Values{"request": {c.requestObject(key, nil)}})
	a := newAgent(t)
	code := c.wantCodeWithIss(f.signInAt(a, c.authorizeWith(uri), "carol", "correct horse battery"))
	if r := c.redeem(code); r.Status != 200 {
		t.Fatalf("redeeming the code: %d %s", r.Status, r.Body)
	}

	now := f.n.now()
	other := newAssertionKey(t, "k1")
	claims, _ := json.Marshal(map[string]any{"iss": c.id, "aud": c.issuer(), "exp": now.Add(time.Minute).Unix(), "response_type": "code"})
	bad := map[string]string{
		"signed by another key": c.requestObject(other, nil),
		"wrong aud":             c.requestObject(key, map[string]any{"aud": "https://elsewhere.example"}),
		"expired":               c.requestObject(key, map[string]any{"nbf": now.Add(-10 * time.Minute).Unix(), "exp": now.Add(-time.Minute).Unix()}),
		"no exp":                c.requestObject(key, map[string]any{"exp": nil}),
		"alg none":              unsigned(t, map[string]any{"iss": c.id, "aud": c.issuer(), "exp": now.Add(time.Minute).Unix(), "response_type": "code"}),
		"not a JWS":             base64.RawURLEncoding.EncodeToString(claims),
	}
	for name, obj := range bad {
		wantError(t, c.push(url.Values{"request": {obj}}), 400, "invalid_request_object")
		p := a.do(http.MethodGet, c.issuer()+"/oauth2/authorize?"+url.Values{"client_id": {c.id}, "request": {obj}}.Encode(), nil)
		wantErrorPage(t, name+" at authorize", p, "invalid_request_object")
	}

	// By value at the authorization endpoint: the object's state, not the query's.
	q := url.Values{"client_id": {c.id}, "response_type": {"code"}, "state": {"query-state"}, "request": {c.requestObject(key, nil)}}
	p := a.do(http.MethodGet, c.issuer()+"/oauth2/authorize?"+q.Encode(), nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("signed request object at authorize: %d %s", p.Status, p.Body)
	}
	u, _ := url.Parse(p.Location)
	c.wantCodeWithIss(u)
}

// TestRequirePushedAuthorizationRequests: a client that registered
// require_pushed_authorization_requests (RFC 9126 §6), and every client of
// a workspace that requires it (§5), can only use pushed requests.
func TestRequirePushedAuthorizationRequests(t *testing.T) {
	t.Run("client", func(t *testing.T) {
		f := newFlowFixture(t, "")
		c, key := f.requestObjectClient(t, `,"require_pushed_authorization_requests":true`)
		if got := f.n.clientGet(c.id)["require_pushed_authorization_requests"]; got != true {
			t.Errorf("the registration does not keep require_pushed_authorization_requests: %v", got)
		}
		a := newAgent(t)
		plain := c.issuer() + "/oauth2/authorize?" + c.authorizationRequest(url.Values{"client_id": {c.id}}).Encode()
		wantErrorPage(t, "plain request", a.do(http.MethodGet, plain, nil), "invalid_request")
		byValue := c.issuer() + "/oauth2/authorize?" + url.Values{"client_id": {c.id}, "request": {c.requestObject(key, nil)}}.Encode()
		wantErrorPage(t, "request object not pushed", a.do(http.MethodGet, byValue, nil), "invalid_request")
		c.wantCodeWithIss(f.signInAt(a, c.authorizeWith(c.mustPush(c.authorizationRequest(nil))), "carol", "correct horse battery"))
		// Once the user approved the client, the refusal goes back to it, with iss.
		p := a.do(http.MethodGet, plain, nil)
		u, _ := url.Parse(p.Location)
		if p.Status != http.StatusSeeOther || u.Query().Get("error") != "invalid_request" || u.Query().Get("iss") != c.issuer() || u.Query().Get("state") != "pushed-state" {
			t.Fatalf("plain request of an approved client: %d %q; want invalid_request with state and iss", p.Status, p.Location)
		}
	})
	t.Run("workspace", func(t *testing.T) {
		f := newFlowFixture(t, "workspaces:\n  - name: default\n    require_pushed_authorization_requests: true\n")
		c := f.basicPARClient()
		if disc := get(t, c.issuer()+"/.well-known/openid-configuration").JSON(t); disc["require_pushed_authorization_requests"] != true {
			t.Errorf("discovery require_pushed_authorization_requests = %v", disc["require_pushed_authorization_requests"])
		}
		a := newAgent(t)
		plain := c.issuer() + "/oauth2/authorize?" + c.authorizationRequest(url.Values{"client_id": {c.id}}).Encode()
		wantErrorPage(t, "plain request", a.do(http.MethodGet, plain, nil), "invalid_request")
		c.wantCodeWithIss(f.signInAt(a, c.authorizeWith(c.mustPush(c.authorizationRequest(nil))), "carol", "correct horse battery"))
	})
}

// TestRequestObjectAlgsAtRegistration: request_object_signing_alg is one
// of the workspace's asymmetric algs; none only where the workspace
// admits unsigned objects; encryption stays refused.
func TestRequestObjectAlgsAtRegistration(t *testing.T) {
	n := startNode(t, nodeOpts{})
	key := newAssertionKey(t, "k1")
	for _, tc := range []struct{ members, mention string }{
		{`"request_object_signing_alg":"none"`, "none"},
		{`"request_object_signing_alg":"HS256"`, "HS256"},
		{`"request_object_signing_alg":"ES256"`, "jwks"},
		{`"request_object_signing_alg":"ES256","request_object_encryption_alg":"RSA-OAEP","jwks":` + key.jwks, "encrypt"},
	} {
		r := n.register("default", n.iat("default", 1), fmt.Sprintf(`{"redirect_uris":["https://app.example/cb"],%s}`, tc.members))
		wantError(t, r, 400, "invalid_client_metadata", tc.mention)
	}
	unsignedOK := startNode(t, nodeOpts{YAML: "workspaces:\n  - name: default\n    request_objects:\n      allow_unsigned: true\n"})
	unsignedOK.mustRegister("default", unsignedOK.iat("default", 1), `{"redirect_uris":["https://app.example/cb"],"request_object_signing_alg":"none"}`)
	disc := get(t, unsignedOK.Base+"/default/.well-known/openid-configuration").JSON(t)
	if algs := fmt.Sprint(disc["request_object_signing_alg_values_supported"]); !strings.Contains(algs, "none") || !strings.Contains(algs, "ES256") {
		t.Errorf("request_object_signing_alg_values_supported = %s", algs)
	}
}
