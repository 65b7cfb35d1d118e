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
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// signedSetup is a workspace taking signed registrations (mode) from
// software whose statement, by the trusted directory, names the
// software's keys inline.
type signedSetup struct {
	f        *fixture
	dir, sw  testKey
	issuer   string
	ssaEdits map[string]any
}

func newSignedSetup(t *testing.T, mode string) *signedSetup {
	t.Helper()
	dir := newTestKey(t, "dir-1")
	s := &signedSetup{f: newStatementFixture(t, dir, workspace.Required), dir: dir, sw: newTestKey(t, "sw-key")}
	s.f.ws.Settings.Registration.SignedRequest = mode
	s.f.ws.Settings.Registration.Audiences = []string{"org-bank"}
	s.issuer = s.f.svc.BaseURL + "/" + s.f.ws.Name
	return s
}

// statement is the software's statement, with its keys inline.
func (s *signedSetup) statement(t *testing.T) string {
	edits := map[string]any{"software_jwks": json.RawMessage(s.sw.jwks())}
	for k, v := range s.ssaEdits {
		edits[k] = v
	}
	return s.dir.sign(t, ssaClaims(s.f.now, edits), nil)
}

// claims are a good signed registration's claims, with edit applied (a
// nil value deletes the claim).
func (s *signedSetup) claims(t *testing.T, jti string, edit map[string]any) map[string]any {
	c := map[string]any{
		"iss": "sw-1", "aud": s.issuer, "iat": s.f.now.Unix(), "exp": s.f.now.Add(5 * time.Minute).Unix(), "jti": jti,
		"redirect_uris": []string{"https://app.example/cb"}, "software_statement": s.statement(t),
	}
	for k, v := range edit {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func (s *signedSetup) register(body string, signed bool) (Response, error) {
	return s.f.svc.Register(context.Background(), s.f.ws, Request{Body: []byte(body), Signed: signed})
}

// TestSignedRegistrationRefusals: each bad signed body is refused with
// invalid_client_metadata naming what failed, and stores nothing.
func TestSignedRegistrationRefusals(t *testing.T) {
	attacker := newTestKey(t, "sw-key")
	cases := []struct {
		name   string
		mode   string
		body   func(*testing.T, *signedSetup) (string, bool)
		says   string
		noStmt bool
	}{
		{"another workspace's aud", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"aud": "https://registrar.test/other"}), nil), true
		}, "names none of", false},
		{"no aud", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"aud": nil}), nil), true
		}, "names none of", false},
		{"iss not the software_id", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"iss": "sw-2"}), nil), true
		}, `iss "sw-2" is not "sw-1"`, false},
		{"payload swapped after signing", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			// The metadata is read from the payload before the signature
			// is checked, and not decoded again after: the signature must
			// still cover what was read.
			good := strings.Split(s.sw.sign(t, s.claims(t, "j", nil), nil), ".")
			other := strings.Split(s.sw.sign(t, s.claims(t, "j2", map[string]any{"client_name": "swapped"}), nil), ".")
			return good[0] + "." + other[1] + "." + good[2], true
		}, "not signed by a key", false},
		{"signed by another key", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return attacker.sign(t, s.claims(t, "j", nil), nil), true
		}, "not signed by a key", false},
		{"jwk header with the attacker's key", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return attacker.sign(t, s.claims(t, "j", nil), map[string]any{"jwk": json.RawMessage(attacker.jwk), "kid": "evil"}), true
		}, "not signed by a key", false},
		{"jku header", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return attacker.sign(t, s.claims(t, "j", nil), map[string]any{"jku": "https://attacker.example/jwks", "kid": nil}), true
		}, "not signed by a key", false},
		{"alg none", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return unsigned(t, "sw-key", s.claims(t, "j", nil)), true
		}, `alg "none"`, false},
		{"HS256 keyed with the software's public key", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return signHS256(t, "sw-key", s.sw.jwk, s.claims(t, "j", nil)), true
		}, `alg "HS256"`, false},
		{"expired", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"exp": s.f.now.Add(-2 * time.Minute).Unix()}), nil), true
		}, "expired", false},
		{"no exp", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"exp": nil}), nil), true
		}, "exp is required", false},
		{"future-dated", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"iat": s.f.now.Add(10 * time.Minute).Unix(), "exp": s.f.now.Add(20 * time.Minute).Unix()}), nil), true
		}, "future", false},
		{"too old", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"iat": s.f.now.Add(-2 * time.Hour).Unix()}), nil), true
		}, "too old", false},
		{"no jti", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "", nil), nil), true
		}, "jti is required", false},
		{"not a JWS", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			return `{"redirect_uris":["https://app.example/cb"]}`, true
		}, "signed request", false},
		{"plain JSON where required", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			raw, _ := json.Marshal(s.claims(t, "j", nil))
			return string(raw), false
		}, "takes only signed requests", false},
		{"signed where off", workspace.Off, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", nil), nil), true
		}, "takes no signed requests", false},
		{"no statement to verify it with", workspace.Optional, func(t *testing.T, s *signedSetup) (string, bool) {
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"software_statement": nil}), nil), true
		}, "carries none", true},
		{"a statement naming no software keys", workspace.Required, func(t *testing.T, s *signedSetup) (string, bool) {
			s.ssaEdits = map[string]any{"software_jwks": nil}
			st := s.dir.sign(t, ssaClaims(s.f.now, nil), nil)
			return s.sw.sign(t, s.claims(t, "j", map[string]any{"software_statement": st}), nil), true
		}, "names no software_jwks", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSignedSetup(t, tc.mode)
			if tc.noStmt {
				s.f.ws.Settings.Registration.SoftwareStatement.Mode = workspace.Optional
			}
			body, signed := tc.body(t, s)
			_, err := s.register(body, signed)
			if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, tc.says) {
				t.Errorf("description %q does not say %q", oe.Description, tc.says)
			}
			if n := s.f.clients(t); n != 0 {
				t.Errorf("%d clients stored", n)
			}
		})
	}
}

// TestSignedRegistrationOnce: a signed body registers once; the same body
// again (the same jti) is refused, on any node (the store decides). Its
// aud may be the issuer, the registration endpoint or a configured
// audience, as a string or in an array.
func TestSignedRegistrationOnce(t *testing.T) {
	s := newSignedSetup(t, workspace.Required)
	for i, aud := range []any{s.issuer, s.issuer + "/oauth2/register", "org-bank", []string{"someone", "org-bank"}} {
		body := s.sw.sign(t, s.claims(t, "jti-"+string(rune('a'+i)), map[string]any{"aud": aud}), nil)
		resp, err := s.register(body, true)
		if err != nil {
			t.Fatalf("aud %v: %v", aud, err)
		}
		if resp["software_id"] != "sw-1" || resp["software_statement"] == nil {
			t.Errorf("aud %v: answer %v", aud, resp)
		}
		if i == 0 {
			s.f.tick()
			_, err := s.register(body, true)
			if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, "was used before") {
				t.Errorf("replay: %q", oe.Description)
			}
		}
	}
	if n := s.f.clients(t); n != 4 {
		t.Errorf("%d clients, want 4", n)
	}
}

// TestRefusedSignedRegistrationKeepsItsJTI: a signed body refused by a
// check of the request (its metadata) leaves its jti unspent, so the
// client's corrected body may reuse it; the jti is spent only by a body
// that passed every such check.
func TestRefusedSignedRegistrationKeepsItsJTI(t *testing.T) {
	s := newSignedSetup(t, workspace.Required)
	bad := s.sw.sign(t, s.claims(t, "j1", map[string]any{"scope": "dcr"}), nil)
	_, err := s.register(bad, true)
	wantCode(t, err, oautherr.InvalidClientMetadata)
	s.f.tick()
	if _, err := s.register(s.sw.sign(t, s.claims(t, "j1", nil), nil), true); err != nil {
		t.Fatalf("the corrected body with the same jti: %v", err)
	}
}

// TestSignedRegistrationKeysByURL: a statement's software_jwks_endpoint is
// read through the fetcher; a fetch that fails is a 400 naming the claim
// and the reason.
func TestSignedRegistrationKeysByURL(t *testing.T) {
	const url = "https://directory.example/sw-1.jwks"
	s := newSignedSetup(t, workspace.Required)
	s.ssaEdits = map[string]any{"software_jwks": nil, "software_jwks_endpoint": url}
	s.f.svc.Fetcher = &fakeFetcher{docs: map[string][]byte{url: s.sw.jwks()}}
	if _, err := s.register(s.sw.sign(t, s.claims(t, "j1", nil), nil), true); err != nil {
		t.Fatal(err)
	}
	s.f.svc.Fetcher = &fakeFetcher{err: errors.New("address 10.0.0.1 is in a private network")}
	_, err := s.register(s.sw.sign(t, s.claims(t, "j2", nil), nil), true)
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, "software_jwks_endpoint: address 10.0.0.1 is in a private network") {
		t.Errorf("description %q", oe.Description)
	}
}

// TestSignedRegistrationInStatementMode: in mode software_statement the
// signed body's statement is the credential too.
func TestSignedRegistrationInStatementMode(t *testing.T) {
	s := newSignedSetup(t, workspace.Required)
	s.f.ws.Settings.Registration.Mode = workspace.ModeSoftwareStatement
	if _, err := s.register(s.sw.sign(t, s.claims(t, "j1", nil), nil), true); err != nil {
		t.Fatal(err)
	}
	_, err := s.register(s.sw.sign(t, s.claims(t, "j2", map[string]any{"software_statement": nil}), nil), true)
	wantCode(t, err, oautherr.InvalidSoftwareStatement)
}

// TestSignedUpdate: an RFC 7592 update may be signed, with the client's
// registered keys; a body signed otherwise, replayed, or sent without the
// client's token is refused and changes nothing; one refused by the
// metadata rules leaves its jti unspent.
func TestSignedUpdate(t *testing.T) {
	s := newSignedSetup(t, workspace.Optional)
	resp, err := s.register(s.sw.sign(t, s.claims(t, "reg", nil), nil), true)
	if err != nil {
		t.Fatal(err)
	}
	id, rat := resp["client_id"].(string), resp["registration_access_token"].(string)
	secretValue := resp["client_secret"].(string)
	update := func(edit map[string]any) map[string]any {
		c := s.claims(t, "upd", map[string]any{"client_id": id, "client_secret": secretValue, "redirect_uris": []string{"https://app.example/cb2"}, "aud": s.f.svc.clientURI(s.f.ws, "", id)})
		for k, v := range edit {
			c[k] = v
		}
		return c
	}
	put := func(bearer, body string) (Response, error) {
		s.f.tick()
		return s.f.svc.Update(context.Background(), s.f.ws, id, Request{Bearer: bearer, Body: []byte(body), Signed: true})
	}
	attacker := newTestKey(t, "sw-key")
	_, err = put("wrong", s.sw.sign(t, update(nil), nil))
	wantCode(t, err, oautherr.InvalidToken)
	_, err = put(rat, attacker.sign(t, update(map[string]any{"jti": "u1"}), nil))
	wantCode(t, err, oautherr.InvalidClientMetadata)
	_, err = put(rat, s.sw.sign(t, update(map[string]any{"jti": "u2", "iss": id}), nil))
	wantCode(t, err, oautherr.InvalidClientMetadata)
	// Refused by the metadata rules: its jti stays unspent for the
	// corrected body.
	_, err = put(rat, s.sw.sign(t, update(map[string]any{"scope": "dcr"}), nil))
	wantCode(t, err, oautherr.InvalidClientMetadata)
	body := s.sw.sign(t, update(nil), nil)
	updated, err := put(rat, body)
	if err != nil {
		t.Fatal(err)
	}
	if uris := fmt.Sprint(updated["redirect_uris"]); uris != "[https://app.example/cb2]" {
		t.Errorf("redirect_uris %v", uris)
	}
	_, err = put(updated["registration_access_token"].(string), body)
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, "was used before") {
		t.Errorf("replayed update: %q", oe.Description)
	}
}

// TestCheckVerifiedVersion: a signed update verified against one version
// of the client is not applied to another (its keys may have changed).
func TestCheckVerifiedVersion(t *testing.T) {
	upd := preparedUpdate{signed: &signedRequest{}, version: 3}
	if err := checkVerifiedVersion(upd, client.Client{Version: 4}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("another version: %v", err)
	}
	if err := checkVerifiedVersion(upd, client.Client{Version: 3}); err != nil {
		t.Errorf("the same version: %v", err)
	}
	if err := checkVerifiedVersion(preparedUpdate{}, client.Client{Version: 4}); err != nil {
		t.Errorf("an unsigned update: %v", err)
	}
}

// TestSignedBodyClaimsCheckedWhateverTheContext: a signature that verifies
// under a context already ended still leaves its claims to be checked; a
// body whose iss is wrong is refused, never taken as verified.
func TestSignedBodyClaimsCheckedWhateverTheContext(t *testing.T) {
	key := newTestKey(t, "sw-1")
	set, err := jose.ParseJWKS(key.jwks())
	if err != nil {
		t.Fatal(err)
	}
	token := key.sign(t, map[string]any{"iss": "someone-else"}, nil)
	c, err := unverifiedClaims(token)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	signed, err := (&Service{}).verifySignedBody(ctx, token, c, signatureCheck{keys: set, keysField: "software_jwks", iss: "sw-1"})
	if err == nil || signed != nil {
		t.Fatalf("a body signed for another iss was taken as verified: %+v, %v", signed, err)
	}
}
