package oauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// unsignedAssertion is a JWS whose payload is claims, with a signature
// nothing verifies: enough for reading the evidence.
func unsignedAssertion(claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"ES256"}`)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString([]byte("sig"))
}

// signAssertion signs claims as a compact JWS with header, by key (a
// crypto.Signer or HMAC bytes) for alg.
func signAssertion(t testing.TB, header map[string]any, claims map[string]any, key any) string {
	t.Helper()
	hdr, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hdr) + "." + enc.EncodeToString(payload)
	alg, _ := header["alg"].(string)
	if alg == "none" {
		return input + "."
	}
	sig, err := jwsbb.Sign(key, alg, []byte(input), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// jwksOf is the JWK Set of the public halves of keys, by kid.
func jwksOf(t testing.TB, keys map[string]crypto.Signer, algs map[string]string) []byte {
	t.Helper()
	var parts [][]byte
	for kid, k := range keys {
		parts = append(parts, publicJWK(t, k, kid, algs[kid]))
	}
	return []byte(`{"keys":[` + string(bytes.Join(parts, []byte(","))) + `]}`)
}

// publicJWK is k's public half as a JWK, with alg only when one is given.
func publicJWK(t testing.TB, k crypto.Signer, kid, alg string) []byte {
	t.Helper()
	key, err := jwk.Import(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	key.Set(jwk.KeyIDKey, kid)
	if alg != "" {
		key.Set(jwk.AlgorithmKey, alg)
	}
	raw, err := json.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func newKey(t testing.TB, alg string) crypto.Signer {
	t.Helper()
	k, err := jose.NewPrivateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fakeFetcher serves one jwks_uri document.
type fakeFetcher struct {
	url string
	doc []byte
}

func (f fakeFetcher) JSON(_ context.Context, url string) ([]byte, error) {
	if url != f.url {
		return nil, errors.New("unknown url")
	}
	return f.doc, nil
}

func (f fakeFetcher) Refresh(ctx context.Context, url string) ([]byte, error) {
	return f.JSON(ctx, url)
}

// assertionWorld is a workspace with a client of each kind, on SQLite so
// that each jti is spent as it is in production.
type assertionWorld struct {
	s      *Service
	ws     workspace.Workspace
	now    time.Time
	ecKey  crypto.Signer // "pk"'s key k1 (ES256)
	edKey  crypto.Signer // "pk"'s key k2 (EdDSA), but pk registered ES256
	other  crypto.Signer // "pk2"'s key
	csSec  string        // "cs"'s client secret
	pkJWKS []byte
}

const assertionIssuer = "https://as.test/w"

func newAssertionWorld(t testing.TB) *assertionWorld {
	ctx := context.Background()
	st, ws, now := testStore(t)
	if err := st.CreateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := secret.NewHasher([]byte("a pepper of thirty-two bytes!!!!"))
	w := &assertionWorld{now: now, ws: ws, ecKey: newKey(t, "ES256"), edKey: newKey(t, "EdDSA"), other: newKey(t, "ES256")}
	w.pkJWKS = jwksOf(t, map[string]crypto.Signer{"k1": w.ecKey, "k2": w.edKey}, map[string]string{"k1": "ES256", "k2": "EdDSA"})
	w.s = &Service{
		Source:  clock.Source{Now: func() time.Time { return w.now }, Rand: rand.Reader},
		Store:   st,
		Hasher:  h,
		BaseURL: "https://as.test",
		Secrets: sealer,
		Fetcher: fakeFetcher{url: "https://keys.example.com/jwks", doc: jwksOf(t, map[string]crypto.Signer{"r1": w.other}, map[string]string{})},
	}
	add := func(id string, md client.Metadata) {
		cl, sec, err := client.New(now, rand.Reader, h, sealer, "w", md, client.Provenance{Origin: client.OriginCLI})
		if err != nil {
			t.Fatal(err)
		}
		cl.ID = id
		if md.AuthMethod() == client.AuthClientSecretJWT {
			// client.New sealed it for its own id.
			if cl.SealedSecret, err = sealer.Seal([]byte(sec), client.SecretAAD("w", id)); err != nil {
				t.Fatal(err)
			}
			w.csSec = sec
		}
		if err := st.CreateClient(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	cc := []string{client.GrantClientCredentials}
	add("pk", client.Metadata{TokenEndpointAuthMethod: client.AuthPrivateKeyJWT, TokenEndpointAuthSigningAlg: "ES256", JWKS: w.pkJWKS, GrantTypes: cc})
	add("pk2", client.Metadata{TokenEndpointAuthMethod: client.AuthPrivateKeyJWT, JWKS: jwksOf(t, map[string]crypto.Signer{"o1": w.other}, map[string]string{}), GrantTypes: cc})
	add("pkuri", client.Metadata{TokenEndpointAuthMethod: client.AuthPrivateKeyJWT, JWKSURI: "https://keys.example.com/jwks", GrantTypes: cc})
	add("cs", client.Metadata{TokenEndpointAuthMethod: client.AuthClientSecretJWT, GrantTypes: cc})
	add("basic", client.Metadata{TokenEndpointAuthMethod: client.AuthClientSecretBasic, GrantTypes: cc})
	return w
}

// claims are good claims for client id, with a fresh jti.
func (w *assertionWorld) claims(id string) map[string]any {
	return map[string]any{
		"iss": id, "sub": id, "aud": assertionIssuer + "/oauth2/token",
		"iat": w.now.Unix(), "exp": w.now.Add(time.Minute).Unix(), "jti": newJTI(),
	}
}

func newJTI() string {
	v, err := secret.Generate(rand.Reader)
	if err != nil {
		panic(err)
	}
	return v
}

func with(c map[string]any, changes map[string]any) map[string]any {
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func es256(kid string) map[string]any { return map[string]any{"alg": "ES256", "kid": kid} }

func (w *assertionWorld) authenticate(id, assertion string) (client.Client, error) {
	return w.s.Authenticate(context.Background(), w.ws, ClientEvidence{ClientID: id, Assertion: ClientAssertion{Type: JWTBearer, Value: assertion}})
}

// TestClientAssertions: each rule of RFC 7523 §3 and OIDC Core §9, each
// broken once; every refusal is 401 invalid_client with the Basic
// challenge.
func TestClientAssertions(t *testing.T) {
	w := newAssertionWorld(t)
	// The HMAC key an attacker would try: the public key as published.
	pubDER := func(k crypto.Signer) []byte { return publicJWK(t, k, "o1", "") }
	const notVerified = "client authentication failed: the client assertion is not signed by a key, or with an alg, registered for the client"
	cases := []struct {
		name, id, token, want string // want "" authenticates; else a part of the description
	}{
		{"private_key_jwt", "pk", signAssertion(t, es256("k1"), w.claims("pk"), w.ecKey), ""},
		{"no kid tries each key", "pk", signAssertion(t, map[string]any{"alg": "ES256"}, w.claims("pk"), w.ecKey), ""},
		{"aud the issuer", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"aud": assertionIssuer}), w.ecKey), ""},
		{"aud an array of ours", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"aud": []string{assertionIssuer, assertionIssuer + "/oauth2/token"}}), w.ecKey), ""},
		{"no iat", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"iat": nil}), w.ecKey), ""},
		{"iat within the skew", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"iat": w.now.Add(30 * time.Second).Unix()}), w.ecKey), ""},
		{"jwks_uri", "pkuri", signAssertion(t, map[string]any{"alg": "ES256", "kid": "r1"}, w.claims("pkuri"), w.other), ""},
		{"client_secret_jwt", "cs", signAssertion(t, map[string]any{"alg": "HS256"}, w.claims("cs"), []byte(w.csSec)), ""},
		{"client_secret_jwt HS512", "cs", signAssertion(t, map[string]any{"alg": "HS512"}, w.claims("cs"), []byte(w.csSec)), ""},

		{"expired", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"iat": w.now.Add(-2 * time.Minute).Unix(), "exp": w.now.Unix()}), w.ecKey), "has expired"},
		{"exp far beyond int64 nanoseconds", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"exp": 1e19}), w.ecKey), "lives too long"},
		{"exp with a fraction", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"exp": float64(w.now.Unix()) + 0.5}), w.ecKey), ""},
		{"no exp", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"exp": nil}), w.ecKey), "has no exp"},
		{"lives too long", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"exp": w.now.Add(61 * time.Minute).Unix()}), w.ecKey), "lives too long"},
		{"lives too long without iat", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"iat": nil, "exp": w.now.Add(61 * time.Minute).Unix()}), w.ecKey), "lives too long"},
		{"iat in the future", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"iat": w.now.Add(2 * time.Minute).Unix(), "exp": w.now.Add(3 * time.Minute).Unix()}), w.ecKey), "iat is in the future"},
		{"nbf in the future", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"nbf": w.now.Add(2 * time.Minute).Unix()}), w.ecKey), "not valid yet"},
		{"wrong aud", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"aud": "https://other.example/token"}), w.ecKey), "aud must be"},
		{"aud of another workspace", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"aud": "https://as.test/other/oauth2/token"}), w.ecKey), "aud must be"},
		{"aud array with a stranger", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"aud": []string{assertionIssuer, "https://other.example"}}), w.ecKey), "aud must be"},
		{"no aud", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"aud": nil}), w.ecKey), "aud must be"},
		{"no jti", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"jti": nil}), w.ecKey), "must have a jti"},
		{"iss is not sub", "pk", signAssertion(t, es256("k1"), with(w.claims("pk"), map[string]any{"iss": "pk2"}), w.ecKey), "iss and sub"},
		{"presented by another client", "pk2", signAssertion(t, es256("k1"), w.claims("pk"), w.ecKey), "iss and sub"},
		{"another client's key names this client", "pk", signAssertion(t, es256("o1"), w.claims("pk"), w.other), notVerified},
		{"key the client does not have", "pk", signAssertion(t, es256("k1"), w.claims("pk"), newKey(t, "ES256")), notVerified},
		{"key the client does not have, no kid", "pk", signAssertion(t, map[string]any{"alg": "ES256"}, w.claims("pk"), newKey(t, "ES256")), notVerified},
		{"alg not the registered one", "pk", signAssertion(t, map[string]any{"alg": "EdDSA", "kid": "k2"}, w.claims("pk"), w.edKey), notVerified},
		{"alg none", "pk", signAssertion(t, map[string]any{"alg": "none"}, w.claims("pk"), nil), "alg \"none\" is not allowed"},
		{"HS256 keyed with the public key", "pk2", signAssertion(t, map[string]any{"alg": "HS256", "kid": "o1"}, w.claims("pk2"), pubDER(w.other)), notVerified},
		{"HS256 for private_key_jwt", "pk2", signAssertion(t, map[string]any{"alg": "HS256"}, w.claims("pk2"), []byte("anything")), notVerified},
		{"alg not allowed in the workspace", "pk2", signAssertion(t, map[string]any{"alg": "ES384"}, w.claims("pk2"), newKey(t, "ES256")), "is not allowed"},
		{"client_secret_jwt, wrong secret", "cs", signAssertion(t, map[string]any{"alg": "HS256"}, w.claims("cs"), []byte("not the secret")), notVerified},
		{"client_secret_jwt signed with a key", "cs", signAssertion(t, es256("k1"), w.claims("cs"), w.ecKey), notVerified},
		{"unknown client", "ghost", signAssertion(t, es256("k1"), w.claims("ghost"), w.ecKey), notVerified},
		{"client of a secret method", "basic", signAssertion(t, es256("k1"), w.claims("basic"), w.ecKey), notVerified},
		{"malformed", "pk", "not-a-jwt", "not a compact JWS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.authenticate(tc.id, tc.token)
			if tc.want == "" {
				if err != nil || got.ID != tc.id {
					t.Fatalf("got %q, %v; want client %s", got.ID, err, tc.id)
				}
				return
			}
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClient || oe.Status != 401 || !strings.Contains(oe.Description, tc.want) {
				t.Fatalf("err = %v; want 401 invalid_client containing %q", err, tc.want)
			}
			if oe.Challenge != basicChallenge {
				t.Errorf("challenge %q; want %q", oe.Challenge, basicChallenge)
			}
		})
	}
}

// TestAssertionTypeRequired: only the JWT bearer type is taken.
func TestAssertionTypeRequired(t *testing.T) {
	w := newAssertionWorld(t)
	_, err := w.s.Authenticate(context.Background(), w.ws, ClientEvidence{ClientID: "pk", Assertion: ClientAssertion{Type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", Value: signAssertion(t, es256("k1"), w.claims("pk"), w.ecKey)}})
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClient || !strings.Contains(oe.Description, JWTBearer) {
		t.Fatalf("err = %v; want invalid_client naming %s", err, JWTBearer)
	}
}

// TestAssertionReplay: a jti is spent once, for either JWT method; the
// same jti from another client is that client's own.
func TestAssertionReplay(t *testing.T) {
	w := newAssertionWorld(t)
	for _, tc := range []struct {
		id, token string
	}{
		{"pk", signAssertion(t, es256("k1"), w.claims("pk"), w.ecKey)},
		{"cs", signAssertion(t, map[string]any{"alg": "HS256"}, w.claims("cs"), []byte(w.csSec))},
	} {
		if _, err := w.authenticate(tc.id, tc.token); err != nil {
			t.Fatalf("%s: first use: %v", tc.id, err)
		}
		_, err := w.authenticate(tc.id, tc.token)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClient || !strings.Contains(oe.Description, "used before") {
			t.Fatalf("%s: replay: err = %v; want invalid_client, used before", tc.id, err)
		}
	}
	c := w.claims("pk")
	c2 := w.claims("pk2")
	c2["jti"] = c["jti"]
	if _, err := w.authenticate("pk", signAssertion(t, es256("k1"), c, w.ecKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.authenticate("pk2", signAssertion(t, es256("o1"), c2, w.other)); err != nil {
		t.Fatalf("pk2 with pk's jti: %v; want its own", err)
	}
}

// TestJWKSURIWithoutFetcher: a node that cannot fetch refuses a jwks_uri
// client as it would a bad signature.
func TestJWKSURIWithoutFetcher(t *testing.T) {
	w := newAssertionWorld(t)
	w.s.Fetcher = nil
	_, err := w.authenticate("pkuri", signAssertion(t, map[string]any{"alg": "ES256", "kid": "r1"}, w.claims("pkuri"), w.other))
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClient {
		t.Fatalf("err = %v; want invalid_client", err)
	}
}

// TestSealedSecretBoundToClient: a sealed secret copied onto another
// client's record does not open there.
func TestSealedSecretBoundToClient(t *testing.T) {
	w := newAssertionWorld(t)
	ctx := context.Background()
	cs, err := w.s.Store.ClientByID(ctx, "w", "cs")
	if err != nil {
		t.Fatal(err)
	}
	cl, _, err := client.New(w.now, rand.Reader, w.s.Hasher, w.s.Secrets.(*masterkey.Sealer), "w", cs.Metadata, client.Provenance{})
	if err != nil {
		t.Fatal(err)
	}
	cl.ID, cl.SealedSecret = "copy", cs.SealedSecret
	if err := w.s.Store.CreateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if _, err := w.authenticate("copy", signAssertion(t, map[string]any{"alg": "HS256"}, w.claims("copy"), []byte(w.csSec))); err == nil {
		t.Fatal("a secret sealed for cs authenticated another client")
	}
}

// TestDiscoveryOffersJWTAuth: both JWT methods at every endpoint that
// authenticates clients, with the workspace's asymmetric algs and HMAC.
func TestDiscoveryOffersJWTAuth(t *testing.T) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	ws.Settings.ClientAuth.SigningAlgs = []string{"ES256", "EdDSA"}
	ws.Settings.Registration.AuthMethods = append(ws.Settings.Registration.AuthMethods, client.AuthClientSecretJWT)
	m := (&Service{BaseURL: "https://as.test"}).Discovery(ws)
	for name, methods := range map[string][]string{
		"token": m.TokenEndpointAuthMethodsSupported, "introspection": m.IntrospectionEndpointAuthMethodsSupported,
		"revocation": m.RevocationEndpointAuthMethodsSupported,
	} {
		if !slices.Contains(methods, client.AuthPrivateKeyJWT) || !slices.Contains(methods, client.AuthClientSecretJWT) {
			t.Errorf("%s endpoint offers %v", name, methods)
		}
	}
	want := []string{"ES256", "EdDSA", "HS256", "HS384", "HS512"}
	for name, algs := range map[string][]string{
		"token": m.TokenEndpointAuthSigningAlgValuesSupported, "introspection": m.IntrospectionEndpointAuthSigningAlgValuesSupported,
		"revocation": m.RevocationEndpointAuthSigningAlgValuesSupported,
	} {
		if !slices.Equal(algs, want) {
			t.Errorf("%s endpoint signing algs %v; want %v", name, algs, want)
		}
	}
}

// TestDecoysCoverEveryAlg: a refusal for an unknown client verifies the
// signature against a decoy for any alg an assertion may use, as a known
// client's would against its key.
func TestDecoysCoverEveryAlg(t *testing.T) {
	algs := slices.Concat(workspace.AssertionAlgsSupported, client.HMACAlgs)
	for _, alg := range algs {
		if keys, err := decoys().Candidates(context.Background(), "any-kid", alg); err != nil || len(keys) != 1 {
			t.Errorf("%s: %v, %v; want one decoy", alg, keys, err)
		}
	}
}

// countingKeys counts the key look-ups a Verifier makes of it.
type countingKeys struct {
	jose.CandidateKeySet
	n *int
}

func (c countingKeys) Candidates(ctx context.Context, kid, alg string) ([]jose.Key, error) {
	*c.n++
	return c.CandidateKeySet.Candidates(ctx, kid, alg)
}

// TestRefusalBeforeAnySignatureSpendsADecoy: a known client's assertion
// refused before a signature is checked (a kid it has no key for, an alg
// it did not register) costs a decoy check, as an unknown client's does,
// so a random kid does not time whether the client exists; one whose
// signature was checked costs none more.
func TestRefusalBeforeAnySignatureSpendsADecoy(t *testing.T) {
	w := newAssertionWorld(t)
	var spent int
	real := decoySet
	decoySet = func() jose.CandidateKeySet { return countingKeys{real(), &spent} }
	t.Cleanup(func() { decoySet = real })
	for _, tc := range []struct {
		name, id, token string
		decoys          int
	}{
		{"unknown client", "ghost", signAssertion(t, es256("k1"), w.claims("ghost"), w.ecKey), 1},
		{"a kid the client has no key for", "pk", signAssertion(t, es256("no-such-kid"), w.claims("pk"), newKey(t, "ES256")), 1},
		{"an alg the client did not register", "pk", signAssertion(t, map[string]any{"alg": "EdDSA", "kid": "k2"}, w.claims("pk"), w.edKey), 1},
		{"a bad signature under the client's key", "pk", signAssertion(t, es256("k1"), w.claims("pk"), newKey(t, "ES256")), 0},
	} {
		spent = 0
		if _, err := w.authenticate(tc.id, tc.token); err == nil {
			t.Fatalf("%s: authenticated", tc.name)
		}
		if spent != tc.decoys {
			t.Errorf("%s: %d decoy checks, want %d", tc.name, spent, tc.decoys)
		}
	}
}
