package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// joseDirectoryKey is a PS256 directory key made with jwx, not with
// Registrar's own code: private JWK and public JWK Set.
func joseDirectoryKey(t *testing.T) (private, public []byte) {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.Import(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: "npm-directory-1", jwk.AlgorithmKey: "PS256", jwk.KeyUsageKey: "sig"} {
		k.Set(name, v)
	}
	pub, err := k.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	private, _ = json.Marshal(k)
	public, _ = json.Marshal(map[string]any{"keys": []any{pub}})
	return private, public
}

// TestNpmJoseSignedRegistrationAndPrivateKeyJWT: a PS256 software
// statement, an ES256 signed registration body and ES256 private_key_jwt
// assertions, all signed by npm jose; the access token verified by npm
// jose against the published JWKS; a replayed body and a replayed
// assertion refused.
func TestNpmJoseSignedRegistrationAndPrivateKeyJWT(t *testing.T) {
	private, public := joseDirectoryKey(t)
	n := startNode(t, nodeOpts{YAML: fmt.Sprintf(`workspaces:
  - name: partners
    registration:
      mode: software_statement
      signed_request: required
      auth_methods: [private_key_jwt]
      grant_types: [client_credentials]
      software_statement:
        mode: required
        issuers:
          - issuer: "npm Directory"
            jwks: %s
            algs: [PS256]
`, public)})
	got := runNodeEnv(t, "jose-signed.mjs", "ISSUER="+n.Base+"/partners", "DIRECTORY_ISSUER=npm Directory", "DIRECTORY_KEY="+string(private))
	reg, _ := got["registration"].(map[string]any)
	if got["registration_status"] != float64(201) || reg["software_id"] != "js-app" || reg["token_endpoint_auth_method"] != "private_key_jwt" {
		t.Fatalf("signed registration: %v", got)
	}
	if got["replayed_body_status"] != float64(400) || got["replayed_body_error"] != "invalid_client_metadata" {
		t.Fatalf("a replayed signed body: %v %v; want 400 invalid_client_metadata", got["replayed_body_status"], got["replayed_body_error"])
	}
	claims, _ := got["access_token_claims"].(map[string]any)
	if got["token_status"] != float64(200) || claims["client_id"] != reg["client_id"] || claims["scope"] != "profile" {
		t.Fatalf("private_key_jwt token: %v (%v)", got["token_status"], got)
	}
	if got["replayed_assertion_status"] != float64(401) || got["replayed_assertion_error"] != "invalid_client" {
		t.Fatalf("a replayed assertion: %v %v; want 401 invalid_client", got["replayed_assertion_status"], got["replayed_assertion_error"])
	}
	methods, _ := got["auth_methods_supported"].([]any)
	if !slices.Contains(methods, any("private_key_jwt")) {
		t.Fatalf("discovery lists token_endpoint_auth_methods_supported %v, without private_key_jwt", methods)
	}
	if rows := n.clientList("partners"); !strings.Contains(rows, "npm Directory") {
		t.Fatalf("client list does not show which issuer vouched:\n%s", rows)
	}
}
