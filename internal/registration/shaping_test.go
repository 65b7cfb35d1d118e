package registration

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// fields is operator-written metadata, as YAML would give it.
func fields(tb testing.TB, js string) workspace.ClientFields {
	tb.Helper()
	var f workspace.ClientFields
	if err := json.Unmarshal([]byte(js), &f); err != nil {
		tb.Fatal(err)
	}
	return f
}

// openRegister registers body in open mode.
func (f *fixture) openRegister(body string) (Response, error) {
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	return f.svc.Register(context.Background(), f.ws, Request{Body: []byte(body)})
}

func TestDefaultsFillOmittedMembers(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Defaults = fields(t, `{"scope":"openid email profile","token_endpoint_auth_method":"client_secret_post","access_token_lifetime":300,"grant_types":["authorization_code","refresh_token"]}`)
	resp, err := f.openRegister(`{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp["scope"] != "openid email profile" || resp["access_token_lifetime"] != float64(300) {
		t.Errorf("scope %v, access_token_lifetime %v: want the workspace's defaults in the response", resp["scope"], resp["access_token_lifetime"])
	}
	if resp["token_endpoint_auth_method"] != "client_secret_basic" {
		t.Errorf("token_endpoint_auth_method %v: a member the request sets is not the default's", resp["token_endpoint_auth_method"])
	}
	if g, _ := resp["grant_types"].([]string); !slices.Equal(g, []string{"authorization_code", "refresh_token"}) {
		t.Errorf("grant_types %v: want the default's", resp["grant_types"])
	}
	if r, _ := resp["response_types"].([]string); !slices.Equal(r, []string{"code"}) {
		t.Errorf("response_types %v: the RFC 7591 default still fills what the workspace's leave", resp["response_types"])
	}
}

// A workspace whose defaults give response_types [code] (SimpleIdServer
// does so for every client) keeps it for a client without the
// authorization_code grant, while a request that sends it so is refused.
func TestDefaultedCodeResponseTypeNeedsNoCodeGrant(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Defaults = fields(t, `{"response_types":["code"]}`)
	resp, err := f.openRegister(`{"grant_types":["client_credentials"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := resp["response_types"].([]string); !slices.Equal(r, []string{"code"}) {
		t.Errorf("response_types %v: want the workspace's default", resp["response_types"])
	}
	_, err = f.openRegister(`{"grant_types":["client_credentials"],"response_types":["code"]}`)
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, "authorization_code") {
		t.Errorf("description %q: want the grant it lacks named", oe.Description)
	}
	resp, err = f.openRegister(`{"grant_types":["client_credentials"],"response_types":[]}`)
	if r, _ := resp["response_types"].([]string); err != nil || len(r) != 0 {
		t.Errorf("response_types [] sent: %v %v; want it kept", resp["response_types"], err)
	}
}

func TestDefaultsAreValidatedLikeTheRequest(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Defaults = fields(t, `{"access_token_lifetime":300}`)
	f.ws.Settings.AccessTokenTTL = 100
	_, err := f.openRegister(`{"redirect_uris":["https://app.example/cb"]}`)
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, "access_token_lifetime") {
		t.Errorf("description %q: want it to name the member", oe.Description)
	}
}

func TestDuendeLifetimeNames(t *testing.T) {
	f := newFixture(t)
	resp, err := f.openRegister(`{"redirect_uris":["https://app.example/cb"],"identity_token_lifetime":120,"absolute_refresh_token_lifetime":3600,
		"sliding_refresh_token_lifetime":600,"authorization_code_lifetime":30}`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"id_token_lifetime": 120, "refresh_token_lifetime": 3600, "refresh_token_idle_lifetime": 600, "authorization_code_lifetime": 30} {
		if resp[name] != want {
			t.Errorf("%s = %v, want %v: Duende's lifetimes under our names", name, resp[name], want)
		}
	}
	for _, name := range []string{"identity_token_lifetime", "absolute_refresh_token_lifetime", "sliding_refresh_token_lifetime"} {
		if _, ok := resp[name]; ok {
			t.Errorf("the response names %s Duende's way; want ours only", name)
		}
	}
}

// withRegistrationAccessToken makes "at" an opaque access token carrying
// the registration scope, stored as the token endpoint would.
func (f *fixture) withRegistrationAccessToken(tb testing.TB) {
	tb.Helper()
	tok := store.Token{Workspace: f.ws.Name, ID: "jti-at", Kind: store.KindAccess, Format: workspace.FormatOpaque,
		ClientID: "c", Subject: "c", Scope: "dcr", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), Hash: []byte("h")}
	if err := f.store.CreateToken(context.Background(), tok); err != nil {
		tb.Fatal(err)
	}
	f.tokens = func(token string) (store.Token, error) {
		if token != "at" {
			return store.Token{}, ErrInactiveToken
		}
		return tok, nil
	}
}

func TestTokenUse(t *testing.T) {
	for _, tc := range []struct {
		use        string
		secondWins bool
	}{{"", false}, {workspace.TokenUseOnce, false}, {workspace.TokenUseUntilExpiry, true}} {
		t.Run("token_use="+tc.use, func(t *testing.T) {
			f := newFixture(t)
			f.withRegistrationAccessToken(t)
			f.ws.Settings.Registration.TokenUse = tc.use
			body := []byte(`{"redirect_uris":["https://app.example/cb"]}`)
			if _, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "at", Body: body}); err != nil {
				t.Fatal(err)
			}
			f.tick()
			_, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "at", Body: body})
			if tc.secondWins != (err == nil) {
				t.Fatalf("second registration with the access token: err %v, want success %v", err, tc.secondWins)
			}
			if ev := f.lastEvent(t); ev.Credential != "access_token:jti-at" {
				t.Errorf("audit credential %q: want the access token named", ev.Credential)
			}
		})
	}
}

func TestMembersOneByOne(t *testing.T) {
	a := client.Metadata{GrantTypes: []string{"refresh_token", "authorization_code"}, Scope: "b a"}
	b := client.Metadata{GrantTypes: []string{"authorization_code", "refresh_token"}, Scope: "a b", ClientName: "x"}
	if !client.SameMember(a, b, "grant_types") || !client.SameMember(a, b, "scope") || client.SameMember(a, b, "client_name") {
		t.Error("lists and scopes compare as sets, other members by value")
	}
	a.Fill(b, []string{"client_name", "scope"})
	if a.ClientName != "x" || a.Scope != "b a" {
		t.Errorf("Fill gave %+v: want only the omitted member filled", a)
	}
}
