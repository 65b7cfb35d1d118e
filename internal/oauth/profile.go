package oauth

import (
	"slices"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// describeProfile narrows the metadata to what the workspace's profile
// lets a client use (RFC 9700 §2.6: clients choose from it). Under FAPI
// 2.0 that leaves no shared-secret or public method, and so no HMAC alg,
// and no RS256 ID tokens.
func describeProfile(ws workspace.Workspace, m *Metadata) {
	s := ws.Settings
	m.IDTokenSigningAlgValuesSupported = s.IDTokenSigningAlgs()
	notAllowed := func(method string) bool { return !s.ProfileAllowsAuthMethod(method) }
	for _, methods := range []*[]string{&m.TokenEndpointAuthMethodsSupported, &m.IntrospectionEndpointAuthMethodsSupported, &m.RevocationEndpointAuthMethodsSupported} {
		*methods = slices.DeleteFunc(slices.Clone(*methods), notAllowed)
	}
	if s.ProfileAllowsAuthMethod(client.AuthClientSecretJWT) {
		return
	}
	// The HMAC algs are client_secret_jwt's alone.
	isHMAC := func(alg string) bool { return slices.Contains(client.HMACAlgs, alg) }
	for _, algs := range []*[]string{&m.TokenEndpointAuthSigningAlgValuesSupported, &m.IntrospectionEndpointAuthSigningAlgValuesSupported, &m.RevocationEndpointAuthSigningAlgValuesSupported} {
		*algs = slices.DeleteFunc(slices.Clone(*algs), isHMAC)
	}
}
