package e2e

import (
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/oauth"
)

// assertionKey is a client's ES256 key: the private half signs
// assertions, the public half is registered as its jwks.
type assertionKey struct {
	signer *jose.Signer
	jwks   string
}

func newAssertionKey(t testing.TB, kid string) assertionKey {
	t.Helper()
	return newAlgKey(t, kid, "ES256")
}

// newAlgKey is a key of alg's type that signs with alg.
func newAlgKey(t testing.TB, kid, alg string) assertionKey {
	t.Helper()
	priv, err := jose.NewPrivateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(kid, alg, priv)
	if err != nil {
		t.Fatal(err)
	}
	return assertionKey{signer: signer, jwks: publicJWKS(t, priv.Public(), kid)}
}

// publicJWKS is a JWK Set of pub alone, as a client registers it.
func publicJWKS(t testing.TB, pub crypto.PublicKey, kid string) string {
	t.Helper()
	key, err := jwk.Import(pub)
	if err != nil {
		t.Fatal(err)
	}
	key.Set(jwk.KeyIDKey, kid)
	raw, err := json.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	return `{"keys":[` + string(raw) + `]}`
}

// assertionClaims are RFC 7523 §3 claims for client id at aud, a minute
// long, with a fresh jti, as of the node's clock.
func assertionClaims(n *node, id, aud string) map[string]any {
	jti := make([]byte, 16)
	rand.Read(jti)
	now := n.now()
	return map[string]any{"iss": id, "sub": id, "aud": aud, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": hex.EncodeToString(jti)}
}

func (k assertionKey) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	tok, err := k.signer.Sign("", claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// hs256 signs claims with a client secret, as a client_secret_jwt client does.
func hs256(t testing.TB, secret string, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(jwa.HS256(), []byte(secret)))
	if err != nil {
		t.Fatal(err)
	}
	return string(tok)
}

// withAssertion is form with the client assertion added.
func withAssertion(form url.Values, assertion string) url.Values {
	form.Set("client_assertion_type", oauth.JWTBearer)
	form.Set("client_assertion", assertion)
	return form
}

func ccForm(scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
}

// TestPrivateKeyJWTThroughDCR: a client registers its public key through
// DCR and gets tokens with assertions signed by it (RFC 7523), with no
// client_id in the request; each assertion works once. Introspection and
// revocation take assertions too.
func TestPrivateKeyJWTThroughDCR(t *testing.T) {
	n := startNode(t, nodeOpts{})
	issuer := n.Base + "/default"
	tokenURL := issuer + "/oauth2/token"

	// Discovery offers what the workspace lets clients register:
	// private_key_jwt by default, client_secret_jwt (an operator's) not.
	disc := get(t, issuer+"/.well-known/openid-configuration").JSON(t)
	for _, member := range []string{"token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"} {
		if !slices.Contains(disc[member].([]any), any("private_key_jwt")) || slices.Contains(disc[member].([]any), any("client_secret_jwt")) {
			t.Errorf("discovery %s = %v", member, disc[member])
		}
	}
	if algs := disc["token_endpoint_auth_signing_alg_values_supported"].([]any); !slices.Contains(algs, any("ES256")) || slices.Contains(algs, any("HS256")) {
		t.Errorf("token_endpoint_auth_signing_alg_values_supported = %v", algs)
	}

	key := newAssertionKey(t, "k1")
	_, iat := n.createIAT()
	reg := send(t, "POST", issuer+"/oauth2/register", iat,
		`{"grant_types":["client_credentials"],"scope":"profile","token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256","jwks":`+key.jwks+`}`)
	if reg.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	md := reg.JSON(t)
	id := md["client_id"].(string)
	if _, ok := md["client_secret"]; ok {
		t.Errorf("a private_key_jwt client was issued a secret: %s", reg.Body)
	}

	assertion := key.sign(t, assertionClaims(n, id, tokenURL))
	r := postForm(t, tokenURL, withAssertion(ccForm("profile"), assertion))
	if r.Status != 200 {
		t.Fatalf("token with an assertion: %d %s", r.Status, r.Body)
	}
	access := r.JSON(t)["access_token"].(string)

	// The same assertion again: spent.
	r = postForm(t, tokenURL, withAssertion(ccForm("profile"), assertion))
	wantError(t, r, 401, "invalid_client", "used before")
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("401 without the Basic challenge: %v", r.Header)
	}

	// Signed by a key the client does not have, expired, another aud:
	// refused alike.
	other := newAssertionKey(t, "k1")
	wantError(t, postForm(t, tokenURL, withAssertion(ccForm("profile"), other.sign(t, assertionClaims(n, id, tokenURL)))), 401, "invalid_client")
	expired := assertionClaims(n, id, tokenURL)
	expired["iat"], expired["exp"] = n.now().Add(-2*time.Minute).Unix(), n.now().Add(-time.Minute).Unix()
	wantError(t, postForm(t, tokenURL, withAssertion(ccForm("profile"), key.sign(t, expired))), 401, "invalid_client", "expired")
	wantError(t, postForm(t, tokenURL, withAssertion(ccForm("profile"), key.sign(t, assertionClaims(n, id, "https://elsewhere.example/token")))), 401, "invalid_client", "aud")

	// RFC 7521 §4.2: one method per request.
	wantError(t, postForm(t, tokenURL, withAssertion(ccForm("profile"), key.sign(t, assertionClaims(n, id, tokenURL))), "Authorization", basicAuth(id, "x")), 400, "invalid_request")

	// Introspection and revocation, aud the issuer this time.
	in := postForm(t, issuer+"/oauth2/introspect", withAssertion(url.Values{"token": {access}}, key.sign(t, assertionClaims(n, id, issuer))))
	if in.Status != 200 || in.JSON(t)["active"] != true {
		t.Fatalf("introspect with an assertion: %d %s", in.Status, in.Body)
	}
	if rv := postForm(t, issuer+"/oauth2/revoke", withAssertion(url.Values{"token": {access}}, key.sign(t, assertionClaims(n, id, issuer)))); rv.Status != 200 {
		t.Fatalf("revoke with an assertion: %d %s", rv.Status, rv.Body)
	}
}

// TestClientSecretJWTThroughCLI: an operator's client_secret_jwt client
// authenticates with an HS256 assertion keyed with its secret, which the
// server kept sealed; the sealed value shows nowhere.
func TestClientSecretJWTThroughCLI(t *testing.T) {
	n := startNode(t, nodeOpts{})
	tokenURL := n.Base + "/default/oauth2/token"
	id, secret := n.createClient("default", "--auth-method", "client_secret_jwt", "--grant-type", "client_credentials", "--scope", "profile")
	if secret == "" {
		t.Fatal("no secret issued to a client_secret_jwt client")
	}
	assertion := hs256(t, secret, assertionClaims(n, id, tokenURL))
	form := withAssertion(ccForm("profile"), assertion)
	form.Set("client_id", id)
	if r := postForm(t, tokenURL, form); r.Status != 200 {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	wantError(t, postForm(t, tokenURL, form), 401, "invalid_client", "used before")
	wantError(t, postForm(t, tokenURL, withAssertion(ccForm("profile"), hs256(t, "not the secret", assertionClaims(n, id, tokenURL)))), 401, "invalid_client")
	// The secret-based methods stay the registered method's: Basic is refused.
	wantError(t, postForm(t, tokenURL, ccForm("profile"), "Authorization", basicAuth(id, secret)), 401, "invalid_client")

	got := n.mustCLI("client", "get", id, "--json")
	if strings.Contains(got, secret) || strings.Contains(strings.ToLower(got), "sealed") {
		t.Errorf("client get shows the secret: %s", got)
	}
	if logs := n.Stdout.String() + n.Stderr.String(); strings.Contains(logs, secret) {
		t.Error("the server logged the client secret")
	}
}

// TestAssertionSingleUseAcrossPostgresNodes: one assertion sent to two
// nodes over one database at once gets one token.
func TestAssertionSingleUseAcrossPostgresNodes(t *testing.T) {
	a, b := postgresNodes(t, "")
	key := newAssertionKey(t, "k1")
	jwksFile := filepath.Join(a.Dir, "jwks.json")
	if err := os.WriteFile(jwksFile, []byte(key.jwks), 0o600); err != nil {
		t.Fatal(err)
	}
	id, _ := a.createClient("default", "--auth-method", "private_key_jwt", "--jwks", jwksFile, "--grant-type", "client_credentials", "--scope", "profile")
	// Both nodes answer for one public issuer (postgresNodes).
	assertion := key.sign(t, assertionClaims(a, id, "https://id.example.test/default/oauth2/token"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 8 {
		n := []*node{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := postForm(t, n.Base+"/default/oauth2/token", withAssertion(ccForm("profile"), assertion))
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[401] != 7 {
		t.Fatalf("statuses %v; want one 200 and seven 401", statuses)
	}
}
