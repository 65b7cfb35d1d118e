package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
)

// obukBank is a node serving an Open Banking UK workspace "bank" over
// TLS, with a directory whose PS256 statements it trusts and a third
// party (TPP) whose software the directory vouches for.
type obukBank struct {
	n        *node
	ca       *testCA
	dir      directory
	software obukSoftware
	// transport is the TPP's transport certificate, from the bank's
	// client CA.
	transport *testCert
}

// obukSoftware is a TPP's software: its id and its signing key (PS256),
// with an RS256 signer over the same key, which the profile refuses.
type obukSoftware struct {
	id     string
	ps256  *jose.Signer
	rs256  *jose.Signer
	jwks   string
	kid    string
	signer assertionKey
}

func newOBUKSoftware(t testing.TB, id string) obukSoftware {
	t.Helper()
	priv, err := jose.NewPrivateKey("PS256")
	if err != nil {
		t.Fatal(err)
	}
	kid := id + "-key"
	ps, err := jose.NewSigner(kid, "PS256", priv)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := jose.NewSigner(kid, "RS256", priv)
	if err != nil {
		t.Fatal(err)
	}
	jwks := publicJWKS(t, priv.Public(), kid)
	return obukSoftware{id: id, ps256: ps, rs256: rs, jwks: jwks, kid: kid, signer: assertionKey{signer: ps, jwks: jwks}}
}

const obukAudience = "0015800001041REAAY" // the bank's organisation id

func startOBUKBank(t *testing.T) *obukBank {
	t.Helper()
	b := &obukBank{ca: newTestCA(t, "Bank Client CA"), dir: directory{name: "OpenBanking Ltd", assertionKey: newAlgKey(t, "ob-dir", "PS256")}}
	b.software = newOBUKSoftware(t, "sw-obuk-1")
	b.transport = b.ca.clientCert(t, certOpts{Subject: dn("CN", "sw-obuk-1", "OU", "0015800001HQQrZAAX", "O", "OpenBanking", "C", "GB")})
	b.n = startNode(t, nodeOpts{TLS: true, ClientCA: b.ca, YAML: `workspaces:
  - name: bank
    profile: openbanking_uk
    registration:
      audiences: [` + obukAudience + `]
      software_statement:
        issuers:
          - issuer: "OpenBanking Ltd"
            jwks: ` + b.dir.jwks + `
            algs: [PS256]
`})
	return b
}

// statement is a directory statement for the bank's software with the
// AISP role, with extra claims.
func (b *obukBank) statement(t testing.TB, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"software_jwks": json.RawMessage(b.software.jwks), "software_roles": []string{"AISP"},
		"software_client_name": "TPP Accounts", "org_id": "0015800001HQQrZAAX",
	}
	for k, v := range extra {
		claims[k] = v
	}
	return b.dir.statement(t, b.n.now(), b.software.id, claims)
}

// body is a PS256-signed registration (OBUK DCR's request claims), with
// edit applied (a nil value removes the claim).
func (b *obukBank) body(t testing.TB, ssa string, edit map[string]any) string {
	t.Helper()
	return b.signedBody(t, b.software.ps256, ssa, edit)
}

func (b *obukBank) signedBody(t testing.TB, signer *jose.Signer, ssa string, edit map[string]any) string {
	t.Helper()
	now := b.n.now()
	claims := map[string]any{
		"iss": b.software.id, "aud": obukAudience, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": fmt.Sprint("jti-", now.UnixNano()), "grant_types": []string{"authorization_code", "client_credentials"},
		"application_type": "web", "redirect_uris": []string{"https://tpp.example/cb"},
		"token_endpoint_auth_method": "private_key_jwt", "id_token_signed_response_alg": "PS256",
		"scope": "openid accounts", "response_types": []string{"code"}, "software_statement": ssa,
	}
	for k, v := range edit {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	token, err := signer.Sign("JWT", claims)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// call sends an OBUK request: method to path under the bank, presenting
// cert (none when nil), with a bearer token and a body when given.
func (b *obukBank) call(t testing.TB, cert *testCert, method, path, bearer, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, b.n.Base+"/bank/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return doWith(t, certClient(cert), req)
}

func (b *obukBank) register(t testing.TB, version, body string) response {
	t.Helper()
	return b.call(t, b.transport, "POST", "openbankinguk/dcr/"+version+"/register", "", "application/jose", body)
}

// token gets a client_credentials token with an empty scope parameter,
// authenticating with a private_key_jwt assertion.
func (b *obukBank) token(t testing.TB, clientID string) string {
	t.Helper()
	form := withAssertion(url.Values{"grant_type": {"client_credentials"}, "scope": {""}}, b.software.signer.sign(t, assertionClaims(b.n, clientID, b.n.Base+"/bank/oauth2/token")))
	r := postFormCert(t, b.transport, b.n.Base+"/bank/oauth2/token", form)
	if r.Status != 200 {
		t.Fatalf("client_credentials: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)["access_token"].(string)
}

// deleteClient deletes the client at uri with token (204); the token then
// reads nothing (401).
func (b *obukBank) deleteClient(t testing.TB, uri, token string) {
	t.Helper()
	if r := b.call(t, b.transport, "DELETE", uri, token, "", ""); r.Status != 204 {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	wantError(t, b.call(t, b.transport, "GET", uri, token, "", ""), 401, "invalid_token")
}

// wantOBUKError is wantError, with a body of exactly error and
// error_description, as OBUK DCR specifies.
func wantOBUKError(t testing.TB, r response, status int, code string, mention ...string) {
	t.Helper()
	wantError(t, r, status, code, mention...)
	var body map[string]any
	json.Unmarshal(r.Body, &body)
	if len(body) != 2 {
		t.Fatalf("error body %s: want exactly error and error_description", r.Body)
	}
}

// TestOpenBankingUKPrivateKeyJWT is Open Banking UK DCR with a
// private_key_jwt client, through the real binary over TLS: the
// directory's statement in a PS256-signed body over mutual TLS → 201 →
// client_credentials (empty scope) → GET → PUT → DELETE → 401.
func TestOpenBankingUKPrivateKeyJWT(t *testing.T) {
	b := startOBUKBank(t)
	disc := get(t, b.n.Base+"/bank/.well-known/openid-configuration").JSON(t)
	if disc["registration_endpoint"] != b.n.Base+"/bank/openbankinguk/dcr/v3.2/register" {
		t.Errorf("registration_endpoint %v", disc["registration_endpoint"])
	}
	for _, m := range disc["token_endpoint_auth_methods_supported"].([]any) {
		if m != "tls_client_auth" && m != "private_key_jwt" {
			t.Errorf("discovery offers %v, which the workspace does not allow", m)
		}
	}
	ssa := b.statement(t, nil)
	r := b.register(t, "v3.3", b.body(t, ssa, nil))
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	reg := r.JSON(t)
	id, _ := reg["client_id"].(string)
	uri := "openbankinguk/dcr/v3.3/register/" + id
	if reg["registration_client_uri"] != b.n.Base+"/bank/"+uri || reg["registration_access_token"] != nil {
		t.Errorf("registration_client_uri %v, registration_access_token %v: want the v3.3 URL and no token (management takes the client's own)", reg["registration_client_uri"], reg["registration_access_token"])
	}
	if reg["scope"] != "openid accounts" || reg["client_name"] != "TPP Accounts" || reg["software_id"] != b.software.id {
		t.Errorf("answer %s", r.Body)
	}
	if out := b.n.mustCLI("client", "get", "--workspace", "bank", id); !strings.Contains(out, "org_id 0015800001HQQrZAAX") {
		t.Errorf("client get does not show the statement's org_id:\n%s", out)
	}
	// Another registration of the same software is allowed.
	if r := b.register(t, "v3.2", b.body(t, ssa, nil)); r.Status != 201 {
		t.Fatalf("second registration of the software: %d %s", r.Status, r.Body)
	}
	// OBUK's third application_type.
	if r := b.register(t, "v3.2", b.body(t, ssa, map[string]any{"application_type": "mobile"})); r.Status != 201 || r.JSON(t)["application_type"] != "mobile" {
		t.Fatalf("a mobile registration: %d %s", r.Status, r.Body)
	}

	token := b.token(t, id)
	r = b.call(t, b.transport, "GET", uri, token, "", "")
	if r.Status != 200 {
		t.Fatalf("GET: %d %s", r.Status, r.Body)
	}
	got := r.JSON(t)
	issuedAt, _ := got["client_id_issued_at"].(float64)
	if got["scope"] != "openid accounts" || got["software_statement"] != ssa || got["id_token_signed_response_alg"] != "PS256" ||
		issuedAt == 0 || issuedAt != math.Trunc(issuedAt) || !slices.Equal(stringList(got["redirect_uris"]), []string{"https://tpp.example/cb"}) {
		t.Errorf("GET body %s", r.Body)
	}
	if strings.Contains(string(r.Body), `"client_id_issued_at":1.`) {
		t.Errorf("timestamps must be integers: %s", r.Body)
	}

	// Management with another client's token, an empty bearer, none.
	otherID, otherSecret := b.n.createClient("bank", "--grant-type", "client_credentials", "--auth-method", "client_secret_basic")
	other := postFormCert(t, b.transport, b.n.Base+"/bank/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(otherID, otherSecret)).JSON(t)["access_token"].(string)
	wantError(t, b.call(t, b.transport, "GET", uri, other, "", ""), 401, "invalid_token")
	wantError(t, b.call(t, b.transport, "DELETE", uri, other, "", ""), 401, "invalid_token")
	// The token presented for another client's registration is revoked.
	intro := postFormCert(t, b.transport, b.n.Base+"/bank/oauth2/introspect", url.Values{"token": {other}}, "Authorization", basicAuth(otherID, otherSecret)).JSON(t)
	if intro["active"] != false {
		t.Errorf("a token presented for another client's registration is still active: %v", intro)
	}
	if r := b.call(t, b.transport, "GET", uri, "", "", ""); r.Status != 401 {
		t.Errorf("GET without a token: %d %s", r.Status, r.Body)
	}

	update := b.body(t, ssa, map[string]any{"client_id": id, "redirect_uris": []string{"https://tpp.example/cb", "https://tpp.example/cb2"}, "aud": b.n.Base + "/bank/" + uri})
	r = b.call(t, b.transport, "PUT", uri, token, "application/jose", update)
	wantOBUKError(t, r, 400, "invalid_redirect_uri", "software_redirect_uris")
	ssa2 := b.statement(t, map[string]any{"software_redirect_uris": []string{"https://tpp.example/cb", "https://tpp.example/cb2"}})
	update = b.body(t, ssa2, map[string]any{"client_id": id, "redirect_uris": []string{"https://tpp.example/cb", "https://tpp.example/cb2"}, "aud": b.n.Base + "/bank/" + uri})
	r = b.call(t, b.transport, "PUT", uri, token, "application/jose", update)
	if r.Status != 200 || len(stringList(r.JSON(t)["redirect_uris"])) != 2 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}

	b.deleteClient(t, uri, token)
}

// TestOpenBankingUKMutualTLS is Open Banking UK DCR with a
// tls_client_auth client (its DN spelt as OBUK v3.2 does), through the
// real binary over TLS: register → client_credentials with the transport
// certificate, the token bound to it → GET → PUT → DELETE → 401. The
// bound token is refused without its certificate.
func TestOpenBankingUKMutualTLS(t *testing.T) {
	b := startOBUKBank(t)
	ssa := b.statement(t, nil)
	const subject = "CN=sw-obuk-1,OU=0015800001HQQrZAAX,O=OpenBanking,C=GB"
	tlsClient := map[string]any{"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_dn": subject}
	r := b.register(t, "v3.2", b.body(t, ssa, tlsClient))
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	reg := r.JSON(t)
	id, _ := reg["client_id"].(string)
	if reg["tls_client_auth_subject_dn"] != subject || reg["tls_client_certificate_bound_access_tokens"] != true {
		t.Errorf("answer %s", r.Body)
	}
	r = postFormCert(t, b.transport, b.n.Base+"/bank/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "scope": {""}})
	if r.Status != 200 {
		t.Fatalf("client_credentials with the transport certificate: %d %s", r.Status, r.Body)
	}
	token := r.JSON(t)["access_token"].(string)
	uri := "openbankinguk/dcr/v3.2/register/" + id
	if r := b.call(t, b.transport, "GET", uri, token, "", ""); r.Status != 200 || r.JSON(t)["client_id"] != id {
		t.Fatalf("GET: %d %s", r.Status, r.Body)
	}
	wantError(t, b.call(t, nil, "GET", uri, token, "", ""), 401, "invalid_token")
	other := b.ca.clientCert(t, certOpts{Subject: dn("CN", "someone else")})
	wantError(t, b.call(t, other, "GET", uri, token, "", ""), 401, "invalid_token")

	// An update may not name a certificate other than the one it is sent with.
	hijack := b.body(t, ssa, map[string]any{"client_id": id, "token_endpoint_auth_method": "tls_client_auth",
		"tls_client_auth_subject_dn": "CN=someone else", "aud": b.n.Base + "/bank/" + uri})
	wantOBUKError(t, b.call(t, b.transport, "PUT", uri, token, "application/jose", hijack), 400, "invalid_client_metadata", "transport certificate")

	update := b.body(t, ssa, map[string]any{"client_id": id, "client_name": "ignored: the statement's wins",
		"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": subject, "aud": b.n.Base + "/bank/" + uri})
	if r := b.call(t, b.transport, "PUT", uri, token, "application/jose", update); r.Status != 200 || r.JSON(t)["client_name"] != "TPP Accounts" {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	b.deleteClient(t, uri, token)
}

// TestOpenBankingUKRefusals: each bad registration gets its error, with a
// body of exactly error and error_description, and stores nothing; the
// profile's endpoints are not served in other workspaces.
func TestOpenBankingUKRefusals(t *testing.T) {
	b := startOBUKBank(t)
	ssa := b.statement(t, nil)
	before := b.n.clientCount("bank")
	now := b.n.now()
	for _, tc := range []struct {
		name    string
		r       func() response
		code    string
		mention string
	}{
		{"no certificate", func() response {
			return b.call(t, nil, "POST", "openbankinguk/dcr/v3.2/register", "", "application/jose", b.body(t, ssa, nil))
		}, "invalid_request", "certificate"},
		{"a certificate from another CA", func() response {
			stranger := newTestCA(t, "Stranger CA").clientCert(t, certOpts{Subject: dn("CN", "sw-obuk-1")})
			return b.call(t, stranger, "POST", "openbankinguk/dcr/v3.2/register", "", "application/jose", b.body(t, ssa, nil))
		}, "invalid_request", "does not chain"},
		{"no statement", func() response {
			return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"software_statement": nil}))
		}, "invalid_software_statement", "software_statement"},
		{"RS256-signed body", func() response { return b.register(t, "v3.2", b.signedBody(t, b.software.rs256, ssa, nil)) }, "invalid_client_metadata", "signed request"},
		{"expired body", func() response {
			return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"iat": now.Add(-20 * time.Minute).Unix(), "exp": now.Add(-10 * time.Minute).Unix()}))
		}, "invalid_client_metadata", "expired"},
		{"iss is not the software_id", func() response { return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"iss": "sw-other"})) }, "invalid_client_metadata", "iss"},
		{"redirect URI not in the statement", func() response {
			return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"redirect_uris": []string{"https://evil.example/cb"}}))
		}, "invalid_redirect_uri", "software_redirect_uris"},
		{"response_types token", func() response {
			return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"response_types": []string{"token"}}))
		}, "invalid_client_metadata", "response_types"},
		{"a tls_client_auth DN that is not the transport certificate's", func() response {
			return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_dn": "CN=another-tpp,O=OpenBanking,C=GB"}))
		}, "invalid_client_metadata", "transport certificate"},
		{"a scope the roles do not grant", func() response {
			return b.register(t, "v3.2", b.body(t, ssa, map[string]any{"scope": "openid payments"}))
		}, "invalid_client_metadata", "payments"},
		{"plain JSON", func() response {
			return b.call(t, b.transport, "POST", "openbankinguk/dcr/v3.2/register", "", "application/json", `{"software_statement":"`+ssa+`"}`)
		}, "invalid_client_metadata", "signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantOBUKError(t, tc.r(), 400, tc.code, tc.mention)
		})
	}
	if got := b.n.clientCount("bank"); got != before {
		t.Errorf("refusals stored clients: %d, want %d", got, before)
	}
	if r := post(t, b.n.Base+"/default/openbankinguk/dcr/v3.2/register", "application/jose", b.body(t, ssa, nil)); r.Status != 404 {
		t.Errorf("an Open Banking UK endpoint in a workspace of no profile: %d %s", r.Status, r.Body)
	}
}
