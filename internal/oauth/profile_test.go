package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// A FAPI 2.0 workspace's discovery lists only what the profile lets a
// client use: key and certificate methods, FAPI algs, code with S256.
func TestDiscoveryOfAFAPI2Workspace(t *testing.T) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettingsFor(workspace.ProfileFAPI2)}
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	m := (&Service{BaseURL: "https://as.test", Flow: &Flow{}, PushedRequests: sealer}).Discovery(ws)
	if !m.RequirePushedAuthorizationRequests || m.PushedAuthorizationRequestEndpoint == "" {
		t.Errorf("PAR endpoint %q, required %v; want it required", m.PushedAuthorizationRequestEndpoint, m.RequirePushedAuthorizationRequests)
	}
	for name, methods := range map[string][]string{
		"token": m.TokenEndpointAuthMethodsSupported, "introspection": m.IntrospectionEndpointAuthMethodsSupported,
		"revocation": m.RevocationEndpointAuthMethodsSupported,
	} {
		if len(methods) == 0 || slices.ContainsFunc(methods, func(method string) bool { return !slices.Contains(workspace.FAPI2AuthMethods, method) }) {
			t.Errorf("%s endpoint offers %v; want FAPI 2.0 methods only", name, methods)
		}
	}
	for name, algs := range map[string][]string{
		"token auth": m.TokenEndpointAuthSigningAlgValuesSupported, "introspection auth": m.IntrospectionEndpointAuthSigningAlgValuesSupported,
		"revocation auth": m.RevocationEndpointAuthSigningAlgValuesSupported, "ID token": m.IDTokenSigningAlgValuesSupported,
		"access token": m.AccessTokenSigningAlgValuesSupported, "request object": m.RequestObjectSigningAlgValuesSupported,
	} {
		if len(algs) == 0 || slices.ContainsFunc(algs, func(alg string) bool { return !slices.Contains(workspace.FAPI2Algs, alg) }) {
			t.Errorf("%s algs %v; want FAPI 2.0 algs only", name, algs)
		}
	}
	if !slices.Equal(m.ResponseTypesSupported, []string{"code"}) || !slices.Equal(m.CodeChallengeMethodsSupported, []string{PKCES256}) || !m.AuthorizationResponseISSParameterSupported {
		t.Errorf("response types %v, PKCE %v, iss %v; want code, S256, iss", m.ResponseTypesSupported, m.CodeChallengeMethodsSupported, m.AuthorizationResponseISSParameterSupported)
	}
	// Without the profile, secrets and RS256 stay on offer.
	ws.Settings = workspace.DefaultSettings()
	m = (&Service{BaseURL: "https://as.test", Flow: &Flow{}}).Discovery(ws)
	if !slices.Contains(m.TokenEndpointAuthMethodsSupported, client.AuthClientSecretBasic) || !slices.Contains(m.IDTokenSigningAlgValuesSupported, "RS256") {
		t.Errorf("a workspace without a profile: methods %v, algs %v", m.TokenEndpointAuthMethodsSupported, m.IDTokenSigningAlgValuesSupported)
	}
}

// A client made before its workspace took FAPI 2.0 authenticates, but
// gets no token and no authorization, with a reason it can act on.
func TestFAPI2RefusesAClientOutsideTheProfile(t *testing.T) {
	ctx := context.Background()
	st, ws, now := testStore(t)
	ws.Settings.AccessTokenFormat = workspace.FormatOpaque // no signing keys here
	if err := st.CreateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	h := secret.NewHasher([]byte("a pepper of thirty-two bytes!!!!"))
	md := client.Metadata{TokenEndpointAuthMethod: client.AuthClientSecretBasic, GrantTypes: []string{client.GrantClientCredentials, client.GrantAuthorizationCode},
		ResponseTypes: []string{"code"}, RedirectURIs: []string{"https://app.example/cb"}}
	cl, sec, err := client.New(now, rand.Reader, h, nil, ws.Name, md, client.Provenance{Origin: client.OriginCLI})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}
	s := &Service{Source: clock.Source{Now: func() time.Time { return now }, Rand: rand.Reader}, Store: st, Hasher: h, BaseURL: "https://as.test"}
	ev := ClientEvidence{ClientID: cl.ID, Secret: sec, Basic: true}
	if _, err := s.Token(ctx, ws, ev, TokenRequest{GrantType: client.GrantClientCredentials}); err != nil {
		t.Fatalf("before the profile: %v", err)
	}
	ws.Settings = workspace.DefaultSettingsFor(workspace.ProfileFAPI2)
	_, err = s.Token(ctx, ws, ev, TokenRequest{GrantType: client.GrantClientCredentials})
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != oautherr.UnauthorizedClient || !strings.Contains(oe.Description, "FAPI 2.0") {
		t.Fatalf("token under fapi2: %v; want unauthorized_client naming the profile", err)
	}
	_, _, err = s.ParseAuthorize(ctx, ws, Params{"client_id": {cl.ID}, "response_type": {"code"}, "redirect_uri": {"https://app.example/cb"}})
	var re *RedirectError
	if !errors.As(err, &re) || re.Err.Code != oautherr.UnauthorizedClient {
		t.Fatalf("authorize under fapi2: %v; want unauthorized_client sent to the client", err)
	}
}
