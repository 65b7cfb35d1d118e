package registration

import (
	"context"
	"slices"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func TestDecodeMetadata(t *testing.T) {
	for _, tc := range []struct{ name, body, code string }{
		{"an object", `{"client_name":"App","redirect_uris":["https://a.example/cb"]}`, ""},
		{"not an object", `["redirect_uris"]`, oautherr.InvalidClientMetadata},
		{"not JSON", `{`, oautherr.InvalidClientMetadata},
		{"a member twice", `{"client_name":"a","client_name":"b"}`, oautherr.InvalidClientMetadata},
		{"a member of the wrong type", `{"redirect_uris":"https://a.example/cb"}`, oautherr.InvalidClientMetadata},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
			md, _, err := (&Service{}).decodeRegistration(context.Background(), ws, Request{Body: []byte(tc.body)}, &grant{})
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil || md.ClientName != "App" || len(md.RedirectURIs) != 1 {
				t.Fatalf("md %+v, err %v", md, err)
			}
		})
	}
}

func TestValidateMetadataAppliesTheAllowLists(t *testing.T) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	md, err := validateMetadata(client.Metadata{RedirectURIs: []string{"https://a.example/cb"}}, ws)
	if err != nil || md.TokenEndpointAuthMethod == "" || len(md.GrantTypes) == 0 {
		t.Fatalf("md %+v, err %v: want defaults applied", md, err)
	}
	// The registration scope is never a registered client's, so that no
	// client can mint initial access tokens.
	_, err = validateMetadata(client.Metadata{RedirectURIs: []string{"https://a.example/cb"}, Scope: "openid dcr"}, ws)
	wantCode(t, err, oautherr.InvalidClientMetadata)
	_, err = validateMetadata(client.Metadata{GrantTypes: []string{"authorization_code"}}, ws)
	wantCode(t, err, oautherr.InvalidRedirectURI)
}

func TestAllowListsFor(t *testing.T) {
	ws := workspace.Workspace{Settings: workspace.DefaultSettings()}
	p := allowListsFor(ws)
	if slices.Contains(p.Scopes, "dcr") || !slices.Contains(p.Scopes, "openid") {
		t.Errorf("scopes %v: want the workspace's but the registration scope", p.Scopes)
	}
	if !slices.Equal(p.AuthMethods, ws.Settings.Registration.AuthMethods) || p.MaxAccessTokenTTL != ws.Settings.AccessTokenTTL {
		t.Errorf("policy %+v does not follow the settings", p)
	}
	ws.Settings.Registration.Scopes = []string{"profile"}
	if p := allowListsFor(ws); !slices.Equal(p.Scopes, []string{"profile"}) {
		t.Errorf("scopes %v: want the registration allow-list", p.Scopes)
	}
}
