package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/fault"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

const directory = "Test Directory"

// trust makes f's workspace read statements in mode, trusting directory
// with key's public half, inline.
func (f *fixture) trust(key testKey, mode string) {
	f.ws.Settings.Registration.SoftwareStatement = workspace.SoftwareStatement{
		Mode:    mode,
		Issuers: []workspace.TrustedIssuer{{Issuer: directory, JWKS: workspace.JWKSDoc(key.jwks()), Algs: []string{"ES256"}}},
		MaxAge:  workspace.Seconds(24 * 3600),
	}
}

// newStatementFixture is an open workspace reading statements in mode,
// trusting directory with key.
func newStatementFixture(t *testing.T, key testKey, mode string) *fixture {
	t.Helper()
	f := newFixture(t)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	f.trust(key, mode)
	return f
}

// ssaClaims are a good statement's claims at now, with edit applied
// (a nil value deletes the claim).
func ssaClaims(now time.Time, edit map[string]any) map[string]any {
	c := map[string]any{
		"iss":                    directory,
		"iat":                    now.Unix(),
		"exp":                    now.Add(time.Hour).Unix(),
		"jti":                    "ssa-1",
		"software_id":            "sw-1",
		"software_version":       "2.0",
		"software_client_name":   "Directory App",
		"software_redirect_uris": []string{"https://app.example/cb", "https://app.example/cb2"},
		"org_id":                 "org-7",
		"software_roles":         []string{"AISP", "PISP"},
	}
	for name, v := range edit {
		if v == nil {
			delete(c, name)
		} else {
			c[name] = v
		}
	}
	return c
}

// ssaBody is a registration body carrying statement, plus members.
func ssaBody(tb testing.TB, statement any, members map[string]any) []byte {
	tb.Helper()
	body := map[string]any{"redirect_uris": []string{"https://app.example/cb"}}
	if statement != nil {
		body["software_statement"] = statement
	}
	for name, v := range members {
		body[name] = v
	}
	raw, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// TestStatementRefusals: every bad statement is refused with its RFC 7591
// code, and nothing is stored.
func TestStatementRefusals(t *testing.T) {
	trusted := newTestKey(t, "dir-1")
	attacker := newTestKey(t, "evil-1")
	now := t0
	good := func(edit map[string]any) string { return trusted.sign(t, ssaClaims(now, edit), nil) }
	cases := []struct {
		name      string
		statement any
		members   map[string]any
		code      string
		says      string
	}{
		{"missing where required", nil, nil, oautherr.InvalidSoftwareStatement, "registers only software with a statement"},
		{"not a string", 42, nil, oautherr.InvalidSoftwareStatement, "must be a signed JWT"},
		{"not a JWT", "not.a.jwt!", nil, oautherr.InvalidSoftwareStatement, "software_statement"},
		{"a payload that is no JSON", "eyJhbGciOiJFUzI1NiIsImtpZCI6ImRpci0xIn0.aGVsbG8.AAAA", nil, oautherr.InvalidSoftwareStatement, "software_statement: its payload is not valid JSON"},
		{"a payload that is no UTF-8", "eyJhbGciOiJFUzI1NiIsImtpZCI6ImRpci0xIn0._-8.AAAA", nil, oautherr.InvalidSoftwareStatement, "software_statement: its payload is not valid UTF-8"},
		{"longer than a token may be", good(map[string]any{"client_name": strings.Repeat("a", 17<<10)}), nil, oautherr.InvalidSoftwareStatement, "longer than 16384 bytes"},
		{"alg none", unsigned(t, "dir-1", ssaClaims(now, nil)), nil, oautherr.InvalidSoftwareStatement, `alg "none"`},
		{"HS256 keyed with the issuer's public key", signHS256(t, "dir-1", trusted.jwk, ssaClaims(now, nil)), nil, oautherr.InvalidSoftwareStatement, `alg "HS256"`},
		{"HS256 keyed with the issuer's JWK Set", signHS256(t, "dir-1", trusted.jwks(), ssaClaims(now, nil)), nil, oautherr.InvalidSoftwareStatement, `alg "HS256"`},
		{"untrusted issuer", trusted.sign(t, ssaClaims(now, map[string]any{"iss": "Someone Else"}), nil), nil, oautherr.UnapprovedSoftwareStatement, `"Someone Else" is not trusted`},
		{"no iss", good(map[string]any{"iss": nil}), nil, oautherr.InvalidSoftwareStatement, "iss must name"},
		{"a private key in software_jwks", good(map[string]any{"software_jwks": json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}]}`)}), nil, oautherr.InvalidSoftwareStatement, `software_jwks.keys[0]: contains private key member "d"`},
		{"signed by another key", attacker.sign(t, ssaClaims(now, nil), map[string]any{"kid": "dir-1"}), nil, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"a kid no trusted key has", attacker.sign(t, ssaClaims(now, nil), nil), nil, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"no kid", trusted.sign(t, ssaClaims(now, nil), map[string]any{"kid": nil}), nil, oautherr.InvalidSoftwareStatement, "names no kid"},
		{"jwk header with the attacker's key", attacker.sign(t, ssaClaims(now, nil), map[string]any{"jwk": json.RawMessage(attacker.jwk)}), nil, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"jwk header, trusted kid", attacker.sign(t, ssaClaims(now, nil), map[string]any{"kid": "dir-1", "jwk": json.RawMessage(attacker.jwk)}), nil, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"jku header", attacker.sign(t, ssaClaims(now, nil), map[string]any{"jku": "https://attacker.example/jwks.json"}), nil, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"x5u header", attacker.sign(t, ssaClaims(now, nil), map[string]any{"x5u": "https://attacker.example/cert.pem"}), nil, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"expired", good(map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-2 * time.Minute).Unix()}), nil, oautherr.InvalidSoftwareStatement, "expired"},
		{"future-dated", good(map[string]any{"iat": now.Add(5 * time.Minute).Unix()}), nil, oautherr.InvalidSoftwareStatement, "future-dated"},
		{"too old, without exp", good(map[string]any{"iat": now.Add(-25 * time.Hour).Unix(), "exp": nil}), nil, oautherr.InvalidSoftwareStatement, "too old"},
		{"too old, with exp", good(map[string]any{"iat": now.Add(-25 * time.Hour).Unix(), "exp": now.Add(time.Hour).Unix()}), nil, oautherr.InvalidSoftwareStatement, "too old"},
		{"no iat", good(map[string]any{"iat": nil}), nil, oautherr.InvalidSoftwareStatement, "iat is required"},
		{"not yet valid", good(map[string]any{"nbf": now.Add(10 * time.Minute).Unix()}), nil, oautherr.InvalidSoftwareStatement, "nbf"},
		{"a redirect URI outside software_redirect_uris", good(nil), map[string]any{"redirect_uris": []string{"https://app.example/cb", "https://evil.example/cb"}}, oautherr.InvalidRedirectURI, "https://evil.example/cb"},
		{"a claim of the wrong type", good(map[string]any{"contacts": "ops@app.example"}), nil, oautherr.InvalidSoftwareStatement, "contacts"},
		{"software_redirect_uris not strings", good(map[string]any{"software_redirect_uris": 7}), nil, oautherr.InvalidSoftwareStatement, "software_redirect_uris"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newStatementFixture(t, trusted, workspace.Required)
			_, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, tc.statement, tc.members)})
			oe := wantCode(t, err, tc.code)
			if !strings.Contains(oe.Description, tc.says) {
				t.Errorf("description %q does not say %q", oe.Description, tc.says)
			}
			if n := f.clients(t); n != 0 {
				t.Errorf("%d clients stored", n)
			}
			if ev := f.lastEvent(t); ev.Outcome != "denied" {
				t.Errorf("event %+v: want the denial audited", ev)
			}
		})
	}
}

// TestStatementAlgsAreTheIssuers: a statement signed with an alg the
// issuer is not configured for is refused, its key notwithstanding.
func TestStatementAlgsAreTheIssuers(t *testing.T) {
	key := newTestKey(t, "dir-1")
	f := newStatementFixture(t, key, workspace.Required)
	f.ws.Settings.Registration.SoftwareStatement.Issuers[0].Algs = []string{"PS256"}
	_, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, key.sign(t, ssaClaims(f.now, nil), nil), nil)})
	wantCode(t, err, oautherr.InvalidSoftwareStatement)
}

// TestStatementClaimsTakePrecedence: RFC 7591 §2.3 — the statement's
// claims win over the request's same members; software_id and
// software_version come from it alone; aliases map to metadata; the keys
// it names become the client's unless the request names its own; claims
// that are no metadata are dropped; the statement is echoed verbatim and
// its issuer recorded.
func TestStatementClaimsTakePrecedence(t *testing.T) {
	key := newTestKey(t, "dir-1")
	clientKeys := newTestKey(t, "app-1")
	f := newStatementFixture(t, key, workspace.Required)
	ssa := key.sign(t, ssaClaims(f.now, map[string]any{
		"client_uri":       "https://directory.example/app",
		"software_jwks":    json.RawMessage(clientKeys.jwks()),
		"software_version": nil,
	}), nil)
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, ssa, map[string]any{
		"client_name": "Mine", "client_uri": "https://mine.example", "software_id": "mine", "software_version": "9",
	})})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"client_name": "Directory App", "client_uri": "https://directory.example/app",
		"software_id": "sw-1", "software_statement": ssa,
	} {
		if resp[name] != want {
			t.Errorf("%s = %v, want %v", name, resp[name], want)
		}
	}
	for _, dropped := range []string{"software_version", "org_id", "software_roles", "software_redirect_uris", "software_client_name", "iss", "jti"} {
		if _, ok := resp[dropped]; ok {
			t.Errorf("%s is in the response", dropped)
		}
	}
	if resp["jwks"] == nil {
		t.Error("software_jwks did not become the client's jwks")
	}
	cl, err := f.store.ClientByID(context.Background(), f.ws.Name, resp["client_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Provenance.SoftwareStatementIss != directory || cl.Provenance.SoftwareID != "sw-1" || cl.Metadata.SoftwareStatement != ssa {
		t.Errorf("provenance %+v, statement kept %v", cl.Provenance, cl.Metadata.SoftwareStatement == ssa)
	}
}

// TestStatementKeysYieldToTheRequests: software_jwks_endpoint and
// software_jwks become jwks_uri / jwks only when the request names
// neither.
func TestStatementKeysYieldToTheRequests(t *testing.T) {
	key := newTestKey(t, "dir-1")
	own := newTestKey(t, "own-1")
	claims := map[string]any{"software_jwks_endpoint": "https://directory.example/sw-1.jwks"}
	for _, tc := range []struct {
		name    string
		members map[string]any
		jwksURI string
		ownJWKS bool
	}{
		{"the request names none", nil, "https://directory.example/sw-1.jwks", false},
		{"the request sends jwks", map[string]any{"jwks": json.RawMessage(own.jwks())}, "", true},
		{"the request sends jwks_uri", map[string]any{"jwks_uri": "https://app.example/jwks"}, "https://app.example/jwks", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newStatementFixture(t, key, workspace.Required)
			body := ssaBody(t, key.sign(t, ssaClaims(f.now, claims), nil), tc.members)
			obj, _ := decodeObject(body)
			md, _, err := f.svc.decodeRegistration(context.Background(), f.ws, Request{Body: body}, &grant{})
			if err != nil {
				t.Fatal(err)
			}
			if md.JWKSURI != tc.jwksURI || (len(md.JWKS) > 0) != tc.ownJWKS {
				t.Errorf("jwks_uri %q, jwks %s (request %v)", md.JWKSURI, md.JWKS, obj["jwks"] != nil)
			}
		})
	}
}

// TestStatementModes: off ignores the member (nothing verified, nothing
// echoed), optional verifies one when sent and registers without, and
// required refuses a request without one.
func TestStatementModes(t *testing.T) {
	key := newTestKey(t, "dir-1")
	for _, tc := range []struct {
		mode       string
		statement  bool
		bad        bool
		wantErr    string
		wantIssuer string
	}{
		{workspace.Off, true, true, "", ""},
		{workspace.Optional, false, false, "", ""},
		{workspace.Optional, true, false, "", directory},
		{workspace.Optional, true, true, oautherr.InvalidSoftwareStatement, ""},
		{workspace.Required, false, false, oautherr.InvalidSoftwareStatement, ""},
	} {
		f := newStatementFixture(t, key, tc.mode)
		var ssa any
		if tc.statement {
			edit := map[string]any{}
			if tc.bad {
				edit["exp"] = f.now.Add(-time.Hour).Unix()
			}
			ssa = key.sign(t, ssaClaims(f.now, edit), nil)
		}
		resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, ssa, nil)})
		name := tc.mode + map[bool]string{true: " with", false: " without"}[tc.statement]
		if tc.wantErr != "" {
			wantCode(t, err, tc.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cl, _ := f.store.ClientByID(context.Background(), f.ws.Name, resp["client_id"].(string))
		if cl.Provenance.SoftwareStatementIss != tc.wantIssuer || (resp["software_statement"] != nil) != (tc.wantIssuer != "") {
			t.Errorf("%s: issuer %q, echoed %v", name, cl.Provenance.SoftwareStatementIss, resp["software_statement"] != nil)
		}
	}
}

// TestSoftwareStatementMode: in registration.mode software_statement the
// statement is the credential — no bearer token; the audit names the
// issuer and software; a missing or untrusted statement is refused; no
// Idempotency-Key answer is kept (a statement is no secret).
func TestSoftwareStatementMode(t *testing.T) {
	key := newTestKey(t, "dir-1")
	f := newFixture(t)
	f.ws.Settings.Registration.Mode = workspace.ModeSoftwareStatement
	f.trust(key, workspace.Required)
	f.svc.Replays = nopSealer{}
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, key.sign(t, ssaClaims(f.now, nil), nil), nil), IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := f.store.ClientByID(context.Background(), f.ws.Name, resp["client_id"].(string))
	if err != nil || cl.Provenance.SoftwareStatementIss != directory || cl.Provenance.Origin != client.OriginDCR {
		t.Fatalf("client %+v, err %v", cl.Provenance, err)
	}
	if ev := f.lastEvent(t); ev.Credential != "software_statement:"+directory+":sw-1" {
		t.Errorf("audit credential %q", ev.Credential)
	}
	if _, err := f.store.Replay(context.Background(), f.ws.Name, f.svc.keyHash("k1"), f.now); err == nil {
		t.Error("an Idempotency-Key answer was kept in software_statement mode")
	}
	f.tick()
	_, err = f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, nil, nil)})
	wantCode(t, err, oautherr.InvalidSoftwareStatement)
	f.tick()
	_, err = f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, key.sign(t, ssaClaims(f.now, map[string]any{"iss": "Other"}), nil), nil)})
	wantCode(t, err, oautherr.UnapprovedSoftwareStatement)
	if ev := f.lastEvent(t); ev.Credential != labelStatement {
		t.Errorf("refused statement audited as %q", ev.Credential)
	}
	if f.clients(t) != 1 {
		t.Errorf("%d clients, want the one", f.clients(t))
	}
}

// nopSealer keeps answers in the clear, for tests.
type nopSealer struct{}

func (nopSealer) Seal(p, _ []byte) ([]byte, error) { return p, nil }
func (nopSealer) Open(p, _ []byte) ([]byte, error) { return p, nil }

// fakeFetcher answers from docs by URL, counting refreshes.
type fakeFetcher struct {
	docs      map[string][]byte
	err       error
	refreshes int
}

func (f *fakeFetcher) JSON(_ context.Context, url string) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	doc, ok := f.docs[url]
	if !ok {
		return nil, errors.New("404")
	}
	return doc, nil
}

func (f *fakeFetcher) Refresh(ctx context.Context, url string) ([]byte, error) {
	f.refreshes++
	return f.JSON(ctx, url)
}

// TestIssuerKeysByURL: an issuer's jwks_uri is read through the fetcher;
// without one, or with the fetch failing, the answer is an outage (503),
// never a verdict on the statement.
func TestIssuerKeysByURL(t *testing.T) {
	key := newTestKey(t, "dir-1")
	const url = "https://directory.example/jwks"
	setup := func(fetcher Fetcher) *fixture {
		f := newStatementFixture(t, key, workspace.Required)
		f.ws.Settings.Registration.SoftwareStatement.Issuers[0].JWKS = nil
		f.ws.Settings.Registration.SoftwareStatement.Issuers[0].JWKSURI = url
		if fetcher != nil {
			f.svc.Fetcher = fetcher
		}
		return f
	}
	f := setup(&fakeFetcher{docs: map[string][]byte{url: key.jwks()}})
	if _, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, key.sign(t, ssaClaims(f.now, nil), nil), nil)}); err != nil {
		t.Fatalf("with the fetcher: %v", err)
	}
	for name, fetcher := range map[string]Fetcher{"fetch fails": &fakeFetcher{err: errors.New("timed out after 5s")}} {
		f := setup(fetcher)
		_, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, key.sign(t, ssaClaims(f.now, nil), nil), nil)})
		var oe *oautherr.Error
		if errors.As(err, &oe) || err == nil {
			t.Errorf("%s: err = %v, want an outage", name, err)
		}
		if !errors.Is(err, fault.ErrUnavailable) {
			t.Errorf("%s: err = %v, want it unavailable (503)", name, err)
		}
		if f.clients(t) != 0 {
			t.Errorf("%s: a client was stored", name)
		}
	}
}

// TestUpdateKeepsTheStatementsBounds: an update is held to a statement as
// a registration is, so a PUT cannot shed it (and with it the bounds on
// redirect URIs), nor swap in another software's.
func TestUpdateKeepsTheStatementsBounds(t *testing.T) {
	key := newTestKey(t, "dir-1")
	f := newStatementFixture(t, key, workspace.Optional)
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, key.sign(t, ssaClaims(f.now, nil), nil), nil)})
	if err != nil {
		t.Fatal(err)
	}
	id := resp["client_id"].(string)
	rat := resp["registration_access_token"].(string)
	secretValue := resp["client_secret"].(string)
	put := func(statement any, redirect string) (Response, error) {
		f.tick()
		body := ssaBody(t, statement, map[string]any{"client_id": id, "client_secret": secretValue, "redirect_uris": []string{redirect}})
		return f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: body})
	}
	cases := []struct {
		name      string
		statement any
		redirect  string
		code      string
	}{
		{"without the statement", nil, "https://evil.example/cb", oautherr.InvalidSoftwareStatement},
		{"another software's statement", key.sign(t, ssaClaims(f.now, map[string]any{"software_id": "sw-2"}), nil), "https://app.example/cb", oautherr.InvalidSoftwareStatement},
		{"a redirect URI outside software_redirect_uris", key.sign(t, ssaClaims(f.now, nil), nil), "https://evil.example/cb", oautherr.InvalidRedirectURI},
		{"an untrusted issuer", key.sign(t, ssaClaims(f.now, map[string]any{"iss": "Other"}), nil), "https://app.example/cb", oautherr.UnapprovedSoftwareStatement},
	}
	for _, tc := range cases {
		_, err := put(tc.statement, tc.redirect)
		if oe := wantCode(t, err, tc.code); oe == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	updated, err := put(key.sign(t, ssaClaims(f.now, nil), nil), "https://app.example/cb2")
	if err != nil {
		t.Fatal(err)
	}
	if uris := fmt.Sprint(updated["redirect_uris"]); uris != "[https://app.example/cb2]" {
		t.Errorf("redirect_uris %v", updated["redirect_uris"])
	}
}
