package devtools

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
)

var now = time.Unix(1_800_000_000, 0)

// roundTrip makes a key, writes and rereads its private JWK, and returns
// it with a verifier over its published JWK Set, as a server holding the
// set would build one.
func roundTrip(t *testing.T, alg, kid string) (Key, jose.Verifier) {
	t.Helper()
	k, err := NewKey(alg, kid)
	if err != nil {
		t.Fatal(err)
	}
	private, err := k.PrivateJWK()
	if err != nil {
		t.Fatal(err)
	}
	reread, err := ParseKey(private)
	if err != nil {
		t.Fatalf("ParseKey(PrivateJWK()): %v", err)
	}
	if reread.Kid != kid || reread.Alg != alg {
		t.Fatalf("reread kid %q alg %q, want %q %q", reread.Kid, reread.Alg, kid, alg)
	}
	doc, err := k.PublicJWKS()
	if err != nil {
		t.Fatal(err)
	}
	var members struct{ Keys []map[string]any }
	json.Unmarshal(doc, &members)
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := members.Keys[0][private]; ok {
			t.Fatalf("the public JWK Set holds private member %s: %s", private, doc)
		}
	}
	set, err := jose.ParseJWKS(doc)
	if err != nil || set.Len() != 1 {
		t.Fatalf("ParseJWKS: %v (%d keys)", err, set.Len())
	}
	return reread, jose.Verifier{Keys: set, Algs: []string{alg}, Typ: "JWT", RequireKid: true}
}

func verifiedClaims(t *testing.T, v jose.Verifier, token string) map[string]any {
	t.Helper()
	payload, h, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if h.Kid == "" {
		t.Fatalf("header has no kid")
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestKeygenThenStatementVerifiesWithTheJWKS(t *testing.T) {
	for _, alg := range []string{"PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			k, v := roundTrip(t, alg, "dir-"+alg)
			claims, err := ParseClaims([]byte(`{"software_id":"app","software_redirect_uris":["https://app.example/cb"]}`))
			if err != nil {
				t.Fatal(err)
			}
			ssa, err := Statement(k, "Example Directory", claims, now, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			c := verifiedClaims(t, v, ssa)
			if c["iss"] != "Example Directory" || c["software_id"] != "app" || c["iat"] != float64(now.Unix()) ||
				c["exp"] != float64(now.Add(time.Hour).Unix()) || c["jti"] == "" || c["jti"] == nil {
				t.Fatalf("statement claims %v", c)
			}
		})
	}
}

func TestStatementKeepsClaimsTheCallerWrote(t *testing.T) {
	k, v := roundTrip(t, "ES256", "d")
	claims, _ := ParseClaims([]byte(`{"iat":1000,"jti":"mine","software_id":"app"}`))
	ssa, err := Statement(k, "Dir", claims, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := verifiedClaims(t, v, ssa)
	if c["iat"] != float64(1000) || c["jti"] != "mine" {
		t.Fatalf("claims written in the file were replaced: %v", c)
	}
	if _, ok := c["exp"]; ok {
		t.Fatalf("ttl 0 still set exp: %v", c)
	}
	claims, _ = ParseClaims([]byte(`{"iss":"Other"}`))
	if _, err := Statement(k, "Dir", claims, now, time.Hour); err == nil {
		t.Fatal("a statement whose claims name another iss than --issuer was signed")
	}
}

func TestAssertionClaims(t *testing.T) {
	k, v := roundTrip(t, "ES256", "app-1")
	first, err := Assertion(k, "client-1", "https://as.example/default/oauth2/token", now)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := Assertion(k, "client-1", "https://as.example/default/oauth2/token", now)
	c, c2 := verifiedClaims(t, v, first), verifiedClaims(t, v, second)
	if c["iss"] != "client-1" || c["sub"] != "client-1" || c["aud"] != "https://as.example/default/oauth2/token" ||
		c["iat"] != float64(now.Unix()) || c["exp"] != float64(now.Add(5*time.Minute).Unix()) {
		t.Fatalf("assertion claims %v", c)
	}
	if c["jti"] == nil || c["jti"] == c2["jti"] {
		t.Fatalf("jti %v then %v: each assertion needs its own", c["jti"], c2["jti"])
	}
}

func TestParseKeyRefuses(t *testing.T) {
	k, _ := NewKey("PS256", "k")
	public, _ := k.PublicJWKS()
	var set struct{ Keys []json.RawMessage }
	json.Unmarshal(public, &set)
	private, _ := k.PrivateJWK()
	var m map[string]any
	json.Unmarshal(private, &m)
	delete(m, "alg")
	rsaNoAlg, _ := json.Marshal(m)
	ec, _ := NewKey("ES256", "e")
	ecJWK, _ := ec.PrivateJWK()
	var ecMembers map[string]any
	json.Unmarshal(ecJWK, &ecMembers)
	delete(ecMembers, "kid")
	noKid, _ := json.Marshal(ecMembers)
	for _, tc := range []struct {
		name string
		doc  []byte
		says string
	}{
		{"a public key cannot sign", set.Keys[0], "holds no private key"},
		{"an RSA key without alg could be RS256 or PS256", rsaNoAlg, "has no alg"},
		{"without a kid the server cannot pick the key", noKid, "has no kid"},
		{"not a JWK", []byte(`{"kty":"nope"}`), "JWK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKey(tc.doc)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ParseKey(%s) = %v; want an error saying %q", tc.doc, err, tc.says)
			}
		})
	}
}

// TestParseKeyNamesAJWKSet: a key set given for a key (keygen's --jwks
// file for its --out file) is named as such.
func TestParseKeyNamesAJWKSet(t *testing.T) {
	_, err := ParseKey([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	if err == nil || !strings.Contains(err.Error(), "a JWK Set, not a private JWK") {
		t.Fatalf("ParseKey of a JWK Set: %v; want it named a JWK Set", err)
	}
}

// captured is what a test registration endpoint received.
type captured struct {
	contentType, auth string
	body              []byte
}

func registrationServer(t *testing.T, status int, answer string) (*httptest.Server, *captured) {
	t.Helper()
	got := &captured{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.contentType, got.auth = r.Header.Get("Content-Type"), r.Header.Get("Authorization")
		got.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestRegisterSendsJSONWithTheStatementAndToken(t *testing.T) {
	srv, got := registrationServer(t, 201, `{"client_id":"c1"}`)
	md, _ := ParseClaims([]byte(`{"client_name":"App","grant_types":["client_credentials"]}`))
	a, err := Register(context.Background(), srv.Client(), Registration{
		Endpoint: srv.URL, Metadata: md, Statement: "h.p.s\n", InitialAccessToken: "iat-1", Now: now})
	if err != nil || !a.OK() || a.Err() != nil || string(a.Body) != `{"client_id":"c1"}` {
		t.Fatalf("answer %+v, %v", a, err)
	}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("body %s: %v", got.body, err)
	}
	if got.contentType != "application/json" || got.auth != "Bearer iat-1" || body["client_name"] != "App" ||
		body["software_statement"] != "h.p.s" {
		t.Fatalf("request: %+v, body %v", got, body)
	}
}

func TestRegisterSendsASignedBody(t *testing.T) {
	srv, got := registrationServer(t, 201, `{}`)
	k, v := roundTrip(t, "ES256", "app-1")
	md, _ := ParseClaims([]byte(`{"client_name":"App"}`))
	_, err := Register(context.Background(), srv.Client(), Registration{
		Endpoint: srv.URL, Metadata: md, Statement: "h.p.s", SignWith: &k, Iss: "app", Aud: "https://as.example/default", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got.contentType != "application/jose" || got.auth != "" {
		t.Fatalf("request: %+v", got)
	}
	c := verifiedClaims(t, v, string(got.body))
	if c["iss"] != "app" || c["aud"] != "https://as.example/default" || c["client_name"] != "App" || c["software_statement"] != "h.p.s" ||
		c["iat"] != float64(now.Unix()) || c["exp"] != float64(now.Add(5*time.Minute).Unix()) || c["jti"] == nil {
		t.Fatalf("signed body claims %v", c)
	}
}

func TestRegisterRefusalNamesTheError(t *testing.T) {
	srv, _ := registrationServer(t, 400, `{"error":"invalid_software_statement","error_description":"software_statement: expired"}`)
	a, err := Register(context.Background(), srv.Client(), Registration{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if a.OK() || a.Err() == nil || !strings.Contains(a.Err().Error(), "invalid_software_statement: software_statement: expired") {
		t.Fatalf("refusal read as %+v / %v", a, a.Err())
	}
}

func TestSoftwareIDIsReadFromTheStatement(t *testing.T) {
	k, _ := NewKey("ES256", "d")
	claims, _ := ParseClaims([]byte(`{"software_id":"app-7"}`))
	ssa, _ := Statement(k, "Dir", claims, now, time.Hour)
	if id, err := SoftwareID(ssa + "\n"); err != nil || id != "app-7" {
		t.Fatalf("SoftwareID: %q, %v", id, err)
	}
	if _, err := SoftwareID("not-a-jws"); err == nil {
		t.Fatal("SoftwareID read a non-JWS")
	}
}
