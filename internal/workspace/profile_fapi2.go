package workspace

import (
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
)

// The FAPI 2.0 Security Profile's limits. Each is a ceiling: a workspace
// may allow less, never more.
var (
	// FAPI2AuthMethods: confidential clients authenticated by a key or a
	// certificate, never by a shared secret and never public (FAPI 2.0
	// §5.3.2.1-3, -6).
	FAPI2AuthMethods = []string{client.AuthPrivateKeyJWT, client.AuthTLSClientAuth, client.AuthSelfSignedTLSClientAuth}
	// FAPI2Algs are the JWS algorithms FAPI 2.0 §5.4.1 allows: PS256,
	// ES256 and EdDSA (Ed25519); RS256 and HMAC are out.
	FAPI2Algs = []string{"PS256", "ES256", "EdDSA"}
	// fapi2GrantTypes: the code flow and client credentials; the password
	// grant and implicit are forbidden (FAPI 2.0 §5.3.2.1-2, §5.3.2.2-1).
	fapi2GrantTypes = []string{client.GrantAuthorizationCode, client.GrantRefreshToken, client.GrantClientCredentials}
)

// fapi2AccessTokenTTL: FAPI 2.0 tokens are sender-constrained, yet a
// bank's resource servers still want them short; five minutes covers a
// session of API calls.
const fapi2AccessTokenTTL = 300

// fapi2Defaults gives s the FAPI 2.0 Security Profile's defaults: every
// authorization request pushed (§5.3.2.2-2), PKCE with S256 (§5.3.2.2-5),
// code only, https redirect URIs, key- or certificate-authenticated
// clients, FAPI algorithms only.
func fapi2Defaults(s *Settings) {
	s.RequirePushedAuthorizationRequests = true
	s.RequirePKCE = true
	s.AllowPlainPKCE = false
	s.AccessTokenTTL = fapi2AccessTokenTTL
	s.ClientAuth.SigningAlgs = slices.Clone(FAPI2Algs)
	s.Registration.AuthMethods = slices.Clone(FAPI2AuthMethods)
	s.Registration.ResponseTypes = []string{client.ResponseTypeCode}
	s.Registration.RedirectSchemes = []string{"https"}
}

// validateFAPI2 refuses settings that would let a FAPI 2.0 workspace
// accept less than the profile demands; each error names the key to fix.
func (s Settings) validateFAPI2() []SettingError {
	var errs []SettingError
	must := func(ok bool, key, rule string) {
		if !ok {
			errs = append(errs, invalid(key, "profile fapi2: %s", rule))
		}
	}
	must(s.RequirePushedAuthorizationRequests, "require_pushed_authorization_requests", "must be true: every authorization request is pushed first (FAPI 2.0 §5.3.2.2-2)")
	must(s.RequirePKCE, "require_pkce", "must be true: PKCE is required of every client (FAPI 2.0 §5.3.2.2-5)")
	must(!s.AllowPlainPKCE, "allow_plain_pkce", "must be false: PKCE uses S256 only (FAPI 2.0 §5.3.2.2-5)")
	must(!s.RequestObjects.AllowUnsigned, "request_objects.allow_unsigned", "must be false: request objects are signed (FAPI 2.0 §5.4.1: never none)")
	must(slices.Contains(fapi2AccessTokenAlgs, s.AccessTokenAlg), "access_token_alg", "must be one of "+strings.Join(fapi2AccessTokenAlgs, ", ")+" (FAPI 2.0 §5.4.1)")
	errs = append(errs, fapi2Subset("client_auth.signing_algs", s.ClientAuth.SigningAlgs, FAPI2Algs, "FAPI 2.0 §5.4.1")...)
	errs = append(errs, fapi2Subset("registration.auth_methods", s.Registration.AuthMethods, FAPI2AuthMethods, "FAPI 2.0 §5.3.2.1-6: no shared secrets, no public clients")...)
	errs = append(errs, fapi2Subset("registration.response_types", s.Registration.ResponseTypes, []string{client.ResponseTypeCode}, "FAPI 2.0 §5.3.2.2-1")...)
	errs = append(errs, fapi2Subset("registration.grant_types", s.Registration.GrantTypes, fapi2GrantTypes, "FAPI 2.0 §5.3.2.1-2")...)
	// An empty list would allow loopback http and private-use schemes.
	must(slices.Equal(s.Registration.RedirectSchemes, []string{"https"}), "registration.redirect_schemes", "must be [https]: redirect URIs use https only (FAPI 2.0 §5.3.2.2-8)")
	return errs
}

// fapi2AccessTokenAlgs are the FAPI algorithms this server has workspace
// keys for (no EdDSA key signs access tokens).
var fapi2AccessTokenAlgs = []string{"PS256", "ES256"}

// fapi2Subset refuses each entry of the list key outside allowed.
func fapi2Subset(key string, values, allowed []string, why string) []SettingError {
	var errs []SettingError
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			errs = append(errs, invalidItem(key, i, "profile fapi2: %q is not allowed; allowed: %s (%s)", v, strings.Join(allowed, ", "), why))
		}
	}
	return errs
}

// IDTokenSigningAlgs are the algs this workspace signs ID tokens with at a
// client's choice: every one it has keys for, or under FAPI 2.0 the FAPI
// ones among them.
func (s Settings) IDTokenSigningAlgs() []string {
	if !s.IsProfile(ProfileFAPI2) {
		return SigningAlgs
	}
	return intersect(SigningAlgs, FAPI2Algs)
}

// ProfileRefusesClient says why the workspace's profile refuses a client
// it holds, or "" when it does not. Registration keeps new clients within
// the profile; this catches those stored before the workspace took it.
func (s Settings) ProfileRefusesClient(md client.Metadata) string {
	switch {
	case !s.ProfileAllowsAuthMethod(md.AuthMethod()):
		return "this workspace follows FAPI 2.0, which does not allow token_endpoint_auth_method " + md.AuthMethod() + "; the client must register again"
	case s.IsProfile(ProfileFAPI2) && !md.TLSClientCertificateBoundAccessToken:
		// FAPI 2.0 §5.3.2.1-4: sender-constrained tokens only; DPoP is
		// not served, so the binding is the certificate's.
		return "this workspace follows FAPI 2.0, whose access tokens are bound to the client's certificate; the client must register again (tls_client_certificate_bound_access_tokens)"
	}
	return ""
}

// ProfileAllowsAuthMethod reports whether the workspace's profile lets a
// client authenticate with method; without a profile, any method does.
func (s Settings) ProfileAllowsAuthMethod(method string) bool {
	return !s.IsProfile(ProfileFAPI2) || slices.Contains(FAPI2AuthMethods, method)
}

// HoldToProfile narrows p, the allow-lists a client's metadata is checked
// against, to what the workspace's profile allows, and under FAPI 2.0
// registers every client for certificate-bound tokens: registration and an
// operator's clients alike, since the profile is a promise about every
// client of the workspace.
func (s Settings) HoldToProfile(p client.Policy) client.Policy {
	if !s.IsProfile(ProfileFAPI2) {
		return p
	}
	p.AuthMethods = intersect(p.AuthMethods, FAPI2AuthMethods)
	p.ResponseTypes = intersect(p.ResponseTypes, []string{client.ResponseTypeCode})
	p.GrantTypes = intersect(p.GrantTypes, fapi2GrantTypes)
	p.SigningAlgs = intersect(p.SigningAlgs, s.IDTokenSigningAlgs())
	p.AssertionAlgs = intersect(p.AssertionAlgs, FAPI2Algs)
	p.AllowUnsignedRequestObjects = false
	p.BoundAccessTokens = true
	p.RedirectSchemes = []string{"https"}
	p.LoopbackHTTPForWeb = false
	return p
}

// intersect is the entries of list also in allowed, in list's order.
func intersect(list, allowed []string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(v string) bool { return !slices.Contains(allowed, v) })
}
