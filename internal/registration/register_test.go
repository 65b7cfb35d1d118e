package registration

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

const goodBody = `{"client_name":"App","redirect_uris":["https://app.example/cb"]}`

func TestRegisterStoresTheClientAndSpendsTheToken(t *testing.T) {
	f := newFixture(t)
	f.iat(t, "i1", "v1", nil)
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "v1", Body: []byte(goodBody), RemoteAddr: "192.0.2.1:50123"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := resp["client_id"].(string)
	cl, err := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if err != nil {
		t.Fatalf("client %q not stored: %v", id, err)
	}
	if cl.Provenance.Origin != client.OriginDCR || cl.Provenance.InitialAccessTokenID != "i1" || !cl.Provenance.RegisteredAt.Equal(t0) {
		t.Errorf("provenance %+v", cl.Provenance)
	}
	if !f.svc.Hasher.Verify(secret.PurposeClientSecret, resp["client_secret"].(string), cl.SecretHash) ||
		!f.svc.Hasher.Verify(secret.PurposeRegistrationToken, resp["registration_access_token"].(string), cl.RegistrationTokenHash) {
		t.Error("the response's secret or registration access token is not the stored one")
	}
	if got, want := resp["registration_client_uri"], "https://registrar.test/acme/oauth2/register/"+id; got != want {
		t.Errorf("registration_client_uri = %v, want %s", got, want)
	}
	if got := resp["registration_access_token_expires_in"]; got != f.ws.Settings.Registration.RegistrationTokenTTL {
		t.Errorf("registration_access_token_expires_in = %v", got)
	}
	ev := f.lastEvent(t)
	if ev.Action != "register" || ev.Outcome != "accepted" || ev.ClientID != id || ev.Credential != "initial_access_token:i1" || ev.RemoteAddr != "192.0.2.1" {
		t.Errorf("event %+v", ev)
	}
	if f.decisions(t, "register", "accepted") != 1 {
		t.Error("the acceptance was not counted")
	}
	// The token allowed one use, spent in the same commit.
	_, err = f.svc.Register(context.Background(), f.ws, Request{Bearer: "v1", Body: []byte(goodBody)})
	wantCode(t, err, oautherr.InvalidToken)
}

// TestRegisterRefusalsStoreNothing: every step before the store can
// refuse, and a refusal writes its audit event and nothing else: no
// client, no spent token. Authorization comes before the body is read, so
// a stranger learns nothing about what a body would be answered.
func TestRegisterRefusalsStoreNothing(t *testing.T) {
	cases := []struct {
		name       string
		edit       func(*workspace.Settings)
		bearer     string
		body       string
		code       string
		credential string
	}{
		{"registration disabled", func(s *workspace.Settings) { s.Registration.Enabled = false }, "v1", goodBody, oautherr.NotFound, labelUncheckedBearer},
		{"no token", nil, "", goodBody, oautherr.InvalidToken, "none"},
		{"no token and a bad body", nil, "", `{`, oautherr.InvalidToken, "none"},
		{"unknown token", nil, "nope", goodBody, oautherr.InvalidToken, labelUnmatchedBearer},
		{"bad body", nil, "v1", `{`, oautherr.InvalidClientMetadata, "initial_access_token:i1"},
		{"metadata outside the allow-lists", nil, "v1", `{"redirect_uris":["https://app.example/cb"],"scope":"dcr"}`, oautherr.InvalidClientMetadata, "initial_access_token:i1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.iat(t, "i1", "v1", nil)
			if tc.edit != nil {
				tc.edit(&f.ws.Settings)
			}
			_, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: tc.bearer, Body: []byte(tc.body)})
			wantCode(t, err, tc.code)
			if n := f.clients(t); n != 0 {
				t.Errorf("%d clients stored", n)
			}
			iat, err := f.store.InitialAccessTokenByHash(context.Background(), f.ws.Name, f.svc.Hasher.Hash(secret.PurposeInitialAccessToken, "v1"))
			if err != nil || iat.Uses != 0 {
				t.Errorf("token uses %d (err %v), want 0", iat.Uses, err)
			}
			ev := f.lastEvent(t)
			if ev.Outcome != "denied" || ev.Credential != tc.credential || len(ev.Reason) < len(tc.code) || ev.Reason[:len(tc.code)] != tc.code {
				t.Errorf("event %+v, want denied with %s by %s", ev, tc.code, tc.credential)
			}
			if f.decisions(t, "register", "denied") != 1 || f.decisions(t, "register", "accepted") != 0 {
				t.Error("the denial was not counted as one")
			}
		})
	}
}

func TestRegisterOpenMode(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	if _, err := f.svc.Register(context.Background(), f.ws, Request{Body: []byte(goodBody)}); err != nil {
		t.Fatal(err)
	}
	if ev := f.lastEvent(t); ev.Credential != "open" || ev.Outcome != "accepted" {
		t.Errorf("event %+v", ev)
	}
}

// TestStoreClientRefusesASpentToken: a token spent between authorize and
// the store (a concurrent registration) is refused, and nothing is stored.
func TestStoreClientRefusesASpentToken(t *testing.T) {
	f := newFixture(t)
	f.iat(t, "i1", "v1", func(t *store.InitialAccessToken) { t.Uses = 1 })
	g := grant{use: store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: "i1", At: t0}}
	md, err := validateMetadata(client.Metadata{RedirectURIs: []string{"https://a.example/cb"}}, f.ws)
	if err != nil {
		t.Fatal(err)
	}
	cl, _, err := f.svc.process(f.ws, md, g)
	if err != nil {
		t.Fatal(err)
	}
	err = f.svc.storeClient(context.Background(), f.ws, Request{}, g, cl, nil)
	if oe := wantCode(t, err, oautherr.InvalidToken); oe.Description != "the initial access token was already used" {
		t.Errorf("description %q", oe.Description)
	}
	if n := f.clients(t); n != 0 {
		t.Errorf("%d clients stored", n)
	}
}

func TestProcessIssuesASecretOnlyForSecretMethods(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method     string
		wantSecret bool
	}{
		{client.AuthClientSecretBasic, true},
		{client.AuthClientSecretPost, true},
		{client.AuthNone, false},
	} {
		md, err := validateMetadata(client.Metadata{RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: tc.method}, f.ws)
		if err != nil {
			t.Fatal(err)
		}
		cl, issued, err := f.svc.process(f.ws, md, grant{provenance: client.Provenance{Origin: client.OriginDCR}})
		if err != nil {
			t.Fatal(err)
		}
		if (issued.ClientSecret != "") != tc.wantSecret || (cl.SecretHash != nil) != tc.wantSecret {
			t.Errorf("%s: secret issued %v, want %v", tc.method, issued.ClientSecret != "", tc.wantSecret)
		}
		if issued.RegistrationToken == "" || !cl.RegistrationTokenExpiresAt.Equal(t0.Add(30*24*time.Hour)) || cl.ID == "" || cl.Version != 1 {
			t.Errorf("%s: client %+v", tc.method, cl)
		}
		resp := f.svc.respond(f.ws, "", cl, issuedSecrets{})
		if _, ok := resp["client_secret"]; ok {
			t.Errorf("%s: a secret not issued now is in the response", tc.method)
		}
		if _, ok := resp["registration_access_token_expires_in"]; ok {
			t.Errorf("%s: a token not issued now has an expiry in the response", tc.method)
		}
	}
}

// TestProcessFailsWithoutRandomness: a broken random source is an outage,
// answered as such and never stored.
func TestProcessFailsWithoutRandomness(t *testing.T) {
	f := newFixture(t)
	f.svc.Rand = brokenReader{}
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	_, err := f.svc.Register(context.Background(), f.ws, Request{Body: []byte(goodBody)})
	var oe *oautherr.Error
	if err == nil || errors.As(err, &oe) {
		t.Fatalf("err = %v, want a fault", err)
	}
	if n := f.clients(t); n != 0 {
		t.Errorf("%d clients stored", n)
	}
}

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }
