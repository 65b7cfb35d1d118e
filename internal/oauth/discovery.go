package oauth

import (
	"slices"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Metadata is the authorization server metadata (RFC 8414 §2, OIDC
// Discovery §3). RFC 9700 §2.6: clients make security decisions from it, so
// it lists only what this server really does; where an absent field would
// imply a default that is not true, the field is explicit.
type Metadata struct {
	Issuer                                             string   `json:"issuer"`
	AuthorizationEndpoint                              string   `json:"authorization_endpoint,omitempty"`
	UserinfoEndpoint                                   string   `json:"userinfo_endpoint,omitempty"`
	EndSessionEndpoint                                 string   `json:"end_session_endpoint,omitempty"`
	ResponseModesSupported                             []string `json:"response_modes_supported,omitempty"`
	CodeChallengeMethodsSupported                      []string `json:"code_challenge_methods_supported,omitempty"`
	PromptValuesSupported                              []string `json:"prompt_values_supported,omitempty"`
	AuthorizationResponseISSParameterSupported         bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	TokenEndpoint                                      string   `json:"token_endpoint"`
	JWKSURI                                            string   `json:"jwks_uri"`
	IntrospectionEndpoint                              string   `json:"introspection_endpoint"`
	RevocationEndpoint                                 string   `json:"revocation_endpoint"`
	ScopesSupported                                    []string `json:"scopes_supported"`
	ResponseTypesSupported                             []string `json:"response_types_supported"`
	GrantTypesSupported                                []string `json:"grant_types_supported"`
	SubjectTypesSupported                              []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported                   []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported                  []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported          []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported             []string `json:"revocation_endpoint_auth_methods_supported"`
	RequestParameterSupported                          bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported                       bool     `json:"request_uri_parameter_supported"`
	RequestObjectSigningAlgValuesSupported             []string `json:"request_object_signing_alg_values_supported,omitempty"`
	PushedAuthorizationRequestEndpoint                 string   `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePushedAuthorizationRequests                 bool     `json:"require_pushed_authorization_requests,omitempty"`
	AccessTokenSigningAlgValuesSupported               []string `json:"access_token_signing_alg_values_supported,omitempty"`
	RegistrationEndpoint                               string   `json:"registration_endpoint,omitempty"`
	ClaimsSupported                                    []string `json:"claims_supported,omitempty"`
	TokenEndpointAuthSigningAlgValuesSupported         []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	IntrospectionEndpointAuthSigningAlgValuesSupported []string `json:"introspection_endpoint_auth_signing_alg_values_supported,omitempty"`
	RevocationEndpointAuthSigningAlgValuesSupported    []string `json:"revocation_endpoint_auth_signing_alg_values_supported,omitempty"`
	// TLSClientCertificateBoundAccessTokens: RFC 8705 §3.3.
	TLSClientCertificateBoundAccessTokens bool `json:"tls_client_certificate_bound_access_tokens"`
}

// Discovery builds the metadata document of ws.
func (s *Service) Discovery(ws workspace.Workspace) Metadata {
	iss := s.Issuer(ws)
	m := Metadata{
		Issuer:                iss,
		TokenEndpoint:         iss + "/oauth2/token",
		JWKSURI:               iss + "/.well-known/jwks.json",
		IntrospectionEndpoint: iss + "/oauth2/introspect",
		RevocationEndpoint:    iss + "/oauth2/revoke",
		ScopesSupported:       ws.Settings.Scopes,
		// No authorization endpoint yet, so no response type works; an
		// empty list says so rather than promising "code".
		ResponseTypesSupported: []string{},
		GrantTypesSupported:    s.SupportedGrantTypes(),
		SubjectTypesSupported:  []string{client.SubjectTypePublic, client.SubjectTypePairwise},
		// A profile narrows them (FAPI 2.0: no RS256); its auth methods
		// and algs are narrowed already, as its settings must be to load.
		IDTokenSigningAlgValuesSupported:          ws.Settings.IDTokenSigningAlgs(),
		TokenEndpointAuthMethodsSupported:         workspaceAuthMethods(ws, false),
		IntrospectionEndpointAuthMethodsSupported: workspaceAuthMethods(ws, false),
		RevocationEndpointAuthMethodsSupported:    workspaceAuthMethods(ws, false),
		// OIDC Discovery §3: request_uri's default is true, so "not
		// supported" must be said; request's default is false, said too so
		// that no reader has to know the defaults.
		RequestParameterSupported:    false,
		RequestURIParameterSupported: false,
		// Served on the one listener: no mtls_endpoint_aliases (RFC 8705 §5).
		TLSClientCertificateBoundAccessTokens: true,
	}
	if algs := assertionAlgs(ws, m.TokenEndpointAuthMethodsSupported); len(algs) > 0 {
		// RFC 8414 §2: the algs of private_key_jwt and client_secret_jwt
		// assertions, at each endpoint that takes them.
		m.TokenEndpointAuthSigningAlgValuesSupported = algs
		m.IntrospectionEndpointAuthSigningAlgValuesSupported = algs
		m.RevocationEndpointAuthSigningAlgValuesSupported = algs
	}
	if s.Flow != nil {
		s.describeFlow(ws, &m)
	}
	if ws.Settings.Registration.Enabled && !s.HideRegistrationEndpoint {
		m.RegistrationEndpoint = s.registrationBaseURL() + "/" + ws.Name + "/" + registrationEndpoint(ws)
	}
	if ws.Settings.AccessTokenFormat == workspace.FormatJWT {
		m.AccessTokenSigningAlgValuesSupported = []string{ws.Settings.AccessTokenAlg}
	}
	return m
}

// workspaceAuthMethods are the token_endpoint_auth_method values ws's
// clients may register (registration.auth_methods) that this server
// authenticates, sorted: what discovery offers is what a client may
// choose. withPublic keeps none, which only clients of the browser flow
// use.
func workspaceAuthMethods(ws workspace.Workspace, withPublic bool) []string {
	out := []string{}
	for _, method := range AuthMethods(withPublic) {
		if slices.Contains(ws.Settings.Registration.AuthMethods, method) {
			out = append(out, method)
		}
	}
	return out
}

// assertionAlgs are the algs the assertions of the JWT methods among
// methods may use: the workspace's asymmetric ones for private_key_jwt,
// HMAC for client_secret_jwt.
func assertionAlgs(ws workspace.Workspace, methods []string) []string {
	var algs []string
	if slices.Contains(methods, client.AuthPrivateKeyJWT) {
		algs = append(algs, ws.Settings.AssertionAlgs()...)
	}
	if slices.Contains(methods, client.AuthClientSecretJWT) {
		algs = append(algs, client.HMACAlgs...)
	}
	return algs
}

// registrationEndpoint is the registration endpoint discovery names,
// relative to the issuer: Open Banking UK's (v3.2, as its clients look
// for it) in a workspace of that profile, which serves RFC 7591's too.
func registrationEndpoint(ws workspace.Workspace) string {
	if ws.Settings.IsProfile(workspace.ProfileOpenBankingUK) {
		return httpapi.OpenBankingUKRegisterPaths[0]
	}
	return httpapi.RegisterPath
}

// registrationBaseURL is the base URL the registration endpoint is under.
func (s *Service) registrationBaseURL() string {
	if s.RegistrationBaseURL != "" {
		return s.RegistrationBaseURL
	}
	return s.BaseURL
}

// describeFlow adds what the browser flow makes true.
func (s *Service) describeFlow(ws workspace.Workspace, m *Metadata) {
	iss := s.Issuer(ws)
	m.AuthorizationEndpoint = iss + "/oauth2/authorize"
	m.UserinfoEndpoint = iss + "/oauth2/userinfo"
	m.EndSessionEndpoint = iss + "/oauth2/logout"
	m.ResponseTypesSupported = []string{client.ResponseTypeCode}
	m.ResponseModesSupported = []string{"query"}
	m.CodeChallengeMethodsSupported = []string{PKCES256}
	if ws.Settings.AllowPlainPKCE {
		m.CodeChallengeMethodsSupported = append(m.CodeChallengeMethodsSupported, PKCEPlain)
	}
	m.PromptValuesSupported = slices.Clone(promptValues)
	m.AuthorizationResponseISSParameterSupported = true
	m.TokenEndpointAuthMethodsSupported = workspaceAuthMethods(ws, true)
	// RFC 7009 §5: a public client identifies itself with client_id to
	// revoke its tokens. Introspection stays with authenticated clients.
	m.RevocationEndpointAuthMethodsSupported = slices.Clone(m.TokenEndpointAuthMethodsSupported)
	// RFC 9101 §10.5 / OIDC Discovery §3: request objects by value, signed
	// with the client's keys; a request_uri only of the pushed
	// authorization request endpoint (RFC 9126 §5), never fetched.
	m.RequestParameterSupported = true
	m.RequestObjectSigningAlgValuesSupported = slices.Clone(ws.Settings.AssertionAlgs())
	if ws.Settings.RequestObjects.AllowUnsigned {
		m.RequestObjectSigningAlgValuesSupported = append(m.RequestObjectSigningAlgValuesSupported, client.UnsignedRequestObject)
	}
	if s.PushedRequests != nil {
		m.RequestURIParameterSupported = true
		m.PushedAuthorizationRequestEndpoint = iss + "/oauth2/par"
		m.RequirePushedAuthorizationRequests = ws.Settings.RequirePushedAuthorizationRequests
	}
	m.ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr", "azp",
		"name", "given_name", "family_name", "preferred_username", "updated_at", "email", "email_verified"}
}
