package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// fapi2YAML is a FAPI 2.0 workspace "bank" on its profile's defaults.
const fapi2YAML = "workspaces:\n  - name: bank\n    profile: fapi2\n"

// fapi2Client is the metadata of a FAPI 2.0 client authenticating with
// private_key_jwt under key, merged with extra members ("" for none).
func fapi2Client(key assertionKey, redirect, extra string) string {
	body := fmt.Sprintf(`{"client_name":"Bank app","redirect_uris":[%q],"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256","scope":"openid","jwks":%s`, redirect, key.jwks)
	if extra != "" {
		body += "," + extra
	}
	return body + "}"
}

// s256 is the S256 code challenge of verifier (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestFAPI2WorkspaceRefusesWhatTheProfileForbids: through the real binary,
// a workspace of profile fapi2 says in its discovery only what FAPI 2.0
// allows, and refuses, each with its own error and nothing stored, a
// client secret, RS256, the implicit response type, an http redirect URI,
// plain PKCE and an authorization request that was not pushed.
func TestFAPI2WorkspaceRefusesWhatTheProfileForbids(t *testing.T) {
	n := startNode(t, nodeOpts{YAML: fapi2YAML})
	issuer := n.Base + "/bank"

	disc := get(t, issuer+"/.well-known/openid-configuration").JSON(t)
	if disc["require_pushed_authorization_requests"] != true {
		t.Errorf("require_pushed_authorization_requests = %v", disc["require_pushed_authorization_requests"])
	}
	for member, allowed := range map[string][]string{
		"token_endpoint_auth_methods_supported":            {"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"},
		"token_endpoint_auth_signing_alg_values_supported": {"PS256", "ES256", "EdDSA"},
		"id_token_signing_alg_values_supported":            {"PS256", "ES256", "EdDSA"},
		"request_object_signing_alg_values_supported":      {"PS256", "ES256", "EdDSA"},
		"code_challenge_methods_supported":                 {"S256"},
		"response_types_supported":                         {"code"},
	} {
		values, _ := disc[member].([]any)
		if len(values) == 0 || slices.ContainsFunc(values, func(v any) bool { s, _ := v.(string); return !slices.Contains(allowed, s) }) {
			t.Errorf("discovery %s = %v; want some of %v only", member, values, allowed)
		}
	}

	key := newAssertionKey(t, "k1")
	iat := n.iat("bank", 10)
	for _, tc := range []struct {
		name, body, code, mention string
	}{
		{"client_secret_basic", `{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, "invalid_client_metadata", "client_secret_basic"},
		{"RS256 assertions", strings.Replace(fapi2Client(key, "https://app.example/cb", ""), `"ES256"`, `"RS256"`, 1), "invalid_client_metadata", "RS256"},
		{"response_types token", fapi2Client(key, "https://app.example/cb", `"response_types":["code","token"]`), "invalid_client_metadata", "token"},
		{"http redirect URI", fapi2Client(key, "http://127.0.0.1:8080/cb", `"application_type":"native"`), "invalid_redirect_uri", "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, n.with(t).register("bank", iat, tc.body), 400, tc.code, tc.mention)
		})
	}
	if out := n.clientList("bank"); strings.Contains(out, "Bank app") {
		t.Fatalf("a refused registration was stored: %s", out)
	}

	const redirect = "https://app.example/cb"
	reg := n.mustRegister("bank", iat, fapi2Client(key, redirect, ""))
	id := reg["client_id"].(string)
	if alg := reg["id_token_signed_response_alg"]; alg == "RS256" {
		t.Errorf("id_token_signed_response_alg defaulted to RS256")
	}

	// Straight to the authorization endpoint: refused (on a page, as the
	// user never approved this self-registered client).
	verifier := oauth2.GenerateVerifier()
	direct := url.Values{"client_id": {id}, "response_type": {"code"}, "redirect_uri": {redirect}, "scope": {"openid"},
		"state": {"s1"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	if r := get(t, issuer+"/oauth2/authorize?"+direct.Encode()); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "pushed") {
		t.Fatalf("an authorization request not pushed: %d %s", r.Status, r.Body)
	}

	par := func(form url.Values) response {
		return postForm(t, issuer+"/oauth2/par", withAssertion(form, key.sign(t, assertionClaims(n, id, issuer))))
	}
	plain := url.Values{"response_type": {"code"}, "redirect_uri": {redirect}, "scope": {"openid"}, "state": {"s2"},
		"code_challenge": {verifier}, "code_challenge_method": {"plain"}}
	wantError(t, par(plain), 400, "invalid_request", "S256")
	noPKCE := url.Values{"response_type": {"code"}, "redirect_uri": {redirect}, "scope": {"openid"}, "state": {"s3"}}
	wantError(t, par(noPKCE), 400, "invalid_request", "PKCE")
	// FAPI 2.0 §5.3.2.2: redirect_uri in the pushed request, even with one
	// registered (and without openid, where OIDC would not ask for it).
	noRedirect := url.Values{"response_type": {"code"}, "state": {"s5"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	wantError(t, par(noRedirect), 400, "invalid_request", "redirect_uri is required under the FAPI 2.0 profile")

	// Pushed as FAPI 2.0 asks: the request_uri opens the sign-in page.
	pushed := par(url.Values{"response_type": {"code"}, "redirect_uri": {redirect}, "scope": {"openid"}, "state": {"s4"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	if pushed.Status != http.StatusCreated {
		t.Fatalf("PAR: %d %s", pushed.Status, pushed.Body)
	}
	uri := pushed.JSON(t)["request_uri"].(string)
	if page := get(t, issuer+"/oauth2/authorize?"+url.Values{"client_id": {id}, "request_uri": {uri}}.Encode()); page.Status != 200 || !strings.Contains(string(page.Body), "password") {
		t.Fatalf("authorize with the pushed request: %d %s", page.Status, page.Body)
	}
}
