package admin

import (
	"errors"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// An operator's client in a FAPI 2.0 workspace is held to the profile as
// a registered one is: no client secrets, no http redirect URIs.
func TestOperatorClientsFollowFAPI2(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettingsFor(workspace.ProfileFAPI2))
	for _, tc := range []struct {
		name   string
		md     client.Metadata
		member string
	}{
		{"client secret", codeClient("https://app.example/cb"), "token_endpoint_auth_method"},
		{"loopback http", withMethod(codeClient("http://127.0.0.1:8080/cb"), client.AuthPrivateKeyJWT), "redirect_uris"},
	} {
		_, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: workspace.DefaultName, Metadata: tc.md, Origin: client.OriginCLI})
		var oe *oautherr.Error
		if !errors.As(err, &oe) || !strings.HasPrefix(oe.Description, tc.member) {
			t.Errorf("%s: err = %v; want a refusal about %s", tc.name, err, tc.member)
		}
	}
	// The bootstrap client authenticates with a secret: a FAPI 2.0 default
	// workspace gets none, and its start does not fail for it.
	if boot, err := f.svc.Bootstrap(f.ctx); err != nil || boot != nil {
		t.Fatalf("bootstrap in a fapi2 workspace: %+v, %v; want none", boot, err)
	}
	if n, _ := f.st.CountClients(f.ctx, workspace.DefaultName); n != 0 {
		t.Fatalf("%d clients stored", n)
	}
}

func withMethod(md client.Metadata, method string) client.Metadata {
	md.TokenEndpointAuthMethod = method
	md.JWKS = []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`)
	return md
}
