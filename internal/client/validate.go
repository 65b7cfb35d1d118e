package client

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// Policy is what a workspace allows at registration and update. Validate
// never widens it; an empty allow-list allows nothing, except
// RedirectHosts, where empty means any host.
type Policy struct {
	Scopes        []string
	GrantTypes    []string
	ResponseTypes []string
	AuthMethods   []string
	// SigningAlgs are the algs ID tokens can be signed with.
	SigningAlgs []string
	// AssertionAlgs are the asymmetric algs a private_key_jwt client may
	// register as token_endpoint_auth_signing_alg, and any client as
	// request_object_signing_alg.
	AssertionAlgs []string
	// AllowUnsignedRequestObjects lets a client register
	// request_object_signing_alg none.
	AllowUnsignedRequestObjects bool
	// RedirectSchemes, when set, lists every scheme a redirect URI may
	// use (https and http included); empty allows https, loopback http
	// for native apps and any reverse-DNS private-use scheme (RFC 8252 §7.1).
	RedirectSchemes []string
	// RedirectHosts, when set, limits the hosts of https and http
	// (loopback) redirect URIs.
	RedirectHosts []string
	// LoopbackHTTPForWeb lets a web client, not only a native one, use
	// plain http to a loopback host: operators make such clients for
	// development, and the code never leaves the machine.
	LoopbackHTTPForWeb bool
	// BoundAccessTokens registers every client for access tokens bound
	// to its TLS client certificate (RFC 8705 §3), for a workspace whose
	// profile issues no other kind.
	BoundAccessTokens bool
	// MobileApplicationType admits application_type mobile (Open Banking
	// UK DCR), whose redirect URIs follow web's rules.
	MobileApplicationType bool
	// DefaultedResponseTypes says the operator's registration defaults,
	// not the request, gave the response types: then "code" is kept for a
	// client without the authorization_code grant, as the operator chose
	// (the authorization endpoint still gives such a client no code).
	DefaultedResponseTypes bool
	// Maxima for the token lifetime extensions, in seconds.
	MaxAccessTokenTTL, MaxRefreshTokenTTL, MaxIDTokenTTL int64
}

// Limits on display strings (SPECS §3.2, OURS).
const (
	maxNameLen  = 200
	maxShortLen = 255
	maxURILen   = 2000
	maxListLen  = 50
)

// Validate checks md against RFC 7591 §2, OIDC Registration §2 and p,
// applies the defaults, and returns the metadata as it will be registered.
// A redirect problem is invalid_redirect_uri; everything else is
// invalid_client_metadata (RFC 7591 §3.2.2). Descriptions name the member
// and the rule.
func Validate(md Metadata, p Policy) (Metadata, error) {
	md, errs := validate(md, p, false)
	if len(errs) > 0 {
		return Metadata{}, errs[0]
	}
	return md, nil
}

// Problems is Validate that goes on past a refusal and returns every
// check's, for a dry run that lists them all, with the metadata as far
// as the checks that passed made it.
func Problems(md Metadata, p Policy) (Metadata, []error) {
	return validate(md, p, true)
}

func validate(md Metadata, p Policy, all bool) (Metadata, []error) {
	applyDefaults(&md, p)
	var errs []error
	for _, check := range []func(*Metadata, Policy) error{
		checkApplicationType, checkGrantsAndResponses, checkAuthMethod,
		checkRedirectURIs, checkPostLogoutURIs, checkDisplay, checkURIs,
		checkScope, checkKeys, checkAlgs, checkSubjectType, checkAssertionAuth, checkRequestObjectAlg, checkTLSClientAuth, checkUnsupported, checkLifetimes,
	} {
		if err := check(&md, p); err != nil {
			if errs = append(errs, err); !all {
				break
			}
		}
	}
	return md, errs
}

// CheckAllowed judges each member md sets on its own against p's
// allow-lists and maxima: grant and response types, auth method, scope,
// lifetimes. It is for metadata an operator fixes ahead of the
// registrations that complete it (templates, defaults): what joins
// members to each other is left to Validate, when all are known.
func CheckAllowed(md Metadata, p Policy) error {
	if err := allowedList("grant_types", md.GrantTypes, p.GrantTypes); err != nil {
		return err
	}
	if err := allowedList("response_types", md.ResponseTypes, p.ResponseTypes); err != nil {
		return err
	}
	if md.TokenEndpointAuthMethod != "" {
		if err := checkAuthMethod(&md, p); err != nil {
			return err
		}
	}
	if err := checkScope(&md, p); err != nil {
		return err
	}
	return checkLifetimes(&md, p)
}

// applyDefaults: RFC 7591 §2 and OIDC Registration §2 defaults. A client
// that uses no redirect-based grant gets no response type: RFC 7591 §2.1
// pairs client_credentials with none, and "code" without
// authorization_code would name a response type the authorization
// endpoint refuses it. View returns [] instead, explicitly, as RFC 7591
// §3.2.1 wants a server-chosen value returned.
func applyDefaults(md *Metadata, p Policy) {
	if md.ApplicationType == "" {
		md.ApplicationType = defaultApplicationType(md.RedirectURIs)
	}
	if md.TokenEndpointAuthMethod == "" {
		md.TokenEndpointAuthMethod = defaultAuthMethod(*md, p)
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{GrantAuthorizationCode}
	}
	if md.ResponseTypes == nil && slices.Contains(md.GrantTypes, GrantAuthorizationCode) {
		md.ResponseTypes = []string{ResponseTypeCode}
	}
	if md.SubjectType == "" {
		md.SubjectType = SubjectTypePublic
	}
	if md.IDTokenSignedResponseAlg == "" {
		md.IDTokenSignedResponseAlg = defaultIDTokenAlg(p)
	}
	// RFC 7591 §3.2.1: the server may replace a value; the response
	// carries the true one.
	if p.BoundAccessTokens {
		md.TLSClientCertificateBoundAccessToken = true
	}
}

// defaultIDTokenAlg is RS256 (OIDC Registration §2) unless the workspace
// does not sign with it (FAPI 2.0 forbids it); then the first alg it
// allows, which the response names (RFC 7591 §3.2.1).
func defaultIDTokenAlg(p Policy) string {
	if len(p.SigningAlgs) == 0 || slices.Contains(p.SigningAlgs, DefaultIDTokenSignedResponse) {
		return DefaultIDTokenSignedResponse
	}
	return p.SigningAlgs[0]
}

// defaultAuthMethod is client_secret_basic (RFC 7591 §2) unless the
// workspace does not allow it; then client_secret_post if allowed, then
// private_key_jwt for a client that registers keys (as an Open Banking
// client's statement gives it). RFC 7591 §3.2.1 lets the server pick the
// value it registers, and the response says which. Otherwise the default
// stands, and the allow-list explains.
func defaultAuthMethod(md Metadata, p Policy) string {
	for _, m := range []string{AuthClientSecretBasic, AuthClientSecretPost} {
		if len(p.AuthMethods) == 0 || slices.Contains(p.AuthMethods, m) {
			return m
		}
	}
	if slices.Contains(p.AuthMethods, AuthPrivateKeyJWT) && (len(md.JWKS) > 0 || md.JWKSURI != "") {
		return AuthPrivateKeyJWT
	}
	return "" // none to fall back on: checkAuthMethod asks for one
}

// defaultApplicationType is web (OIDC Registration §2) unless every
// redirect URI is loopback http or a private-use scheme, which only a
// native app can receive (RFC 8252 §7.1, §7.3). MCP clients register that
// way without application_type; RFC 7591 §3.2.1 lets the server choose the
// value as long as the response carries it, and View always returns it.
func defaultApplicationType(uris []string) string {
	if len(uris) == 0 {
		return ApplicationTypeWeb
	}
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Scheme == "https" || (u.Scheme == "http" && !IsLoopbackHost(u.Hostname())) {
			return ApplicationTypeWeb
		}
	}
	return ApplicationTypeNative
}

func metaErr(format string, args ...any) error { return oautherr.InvalidMetadata(format, args...) }

func checkApplicationType(md *Metadata, p Policy) error {
	switch {
	case md.ApplicationType == ApplicationTypeWeb, md.ApplicationType == ApplicationTypeNative:
		return nil
	case p.MobileApplicationType:
		if md.ApplicationType != ApplicationTypeMobile {
			return metaErr("application_type: %q is not one of web, native, mobile", md.ApplicationType)
		}
		return nil
	}
	return metaErr("application_type: %q is not one of web, native", md.ApplicationType)
}

func checkGrantsAndResponses(md *Metadata, p Policy) error {
	if err := allowedList("grant_types", md.GrantTypes, p.GrantTypes); err != nil {
		return err
	}
	if err := allowedList("response_types", md.ResponseTypes, p.ResponseTypes); err != nil {
		return err
	}
	hasCodeGrant := slices.Contains(md.GrantTypes, GrantAuthorizationCode)
	hasCodeResponse := slices.ContainsFunc(md.ResponseTypes, func(rt string) bool { return slices.Contains(strings.Fields(rt), "code") })
	// RFC 7591 §2.1: response type "code" needs grant authorization_code and back.
	if hasCodeResponse && !hasCodeGrant && !p.DefaultedResponseTypes {
		return metaErr("response_types: \"code\" needs grant_types to include authorization_code")
	}
	if hasCodeGrant && !hasCodeResponse {
		return metaErr("grant_types: authorization_code needs response_types to include \"code\"")
	}
	if slices.Contains(md.GrantTypes, GrantRefreshToken) && !hasCodeGrant {
		return metaErr("grant_types: refresh_token needs authorization_code (client_credentials gets no refresh tokens, RFC 6749 §4.4.3)")
	}
	return nil
}

// allowedList checks every value is allowed and none repeats.
func allowedList(name string, values, allowed []string) error {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			return metaErr("%s: %q is not supported; allowed: %s", name, v, strings.Join(allowed, ", "))
		}
		if slices.Contains(values[:i], v) {
			return metaErr("%s: %q is listed twice", name, v)
		}
	}
	return nil
}

func checkAuthMethod(md *Metadata, p Policy) error {
	m := md.TokenEndpointAuthMethod
	if m == "" {
		return metaErr("token_endpoint_auth_method: required here, as the default (client_secret_basic) is not allowed; name one of: %s", strings.Join(p.AuthMethods, ", "))
	}
	if !slices.Contains(p.AuthMethods, m) {
		return metaErr("token_endpoint_auth_method: %q is not supported; allowed: %s", m, strings.Join(p.AuthMethods, ", "))
	}
	// RFC 6749 §4.4: a public client cannot use client_credentials.
	if m == AuthNone && slices.Contains(md.GrantTypes, GrantClientCredentials) {
		return metaErr("grant_types: client_credentials requires client authentication; token_endpoint_auth_method none cannot use it")
	}
	return nil
}

func checkScope(md *Metadata, p Policy) error {
	if md.Scope == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, sc := range strings.Split(md.Scope, " ") {
		if !ValidScopeToken(sc) {
			return metaErr("scope: must be scope tokens separated by single spaces (RFC 6749 §3.3)")
		}
		if !slices.Contains(p.Scopes, sc) {
			return metaErr("scope: %q is not allowed; allowed: %s", sc, strings.Join(p.Scopes, " "))
		}
		if seen[sc] {
			return metaErr("scope: %q is listed twice", sc)
		}
		seen[sc] = true
	}
	return nil
}

// ValidScopeToken reports whether sc is an RFC 6749 §3.3 scope-token:
// 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E (printable ASCII but space,
// '"' and '\'). Registration and the token endpoint check scopes with it.
func ValidScopeToken(sc string) bool {
	for i := 0; i < len(sc); i++ {
		if c := sc[i]; c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return sc != ""
}

// checkDisplay bounds human-readable strings and refuses control
// characters, which could forge lines on a consent page or in a log.
func checkDisplay(md *Metadata, _ Policy) error {
	if err := displayString("client_name", md.ClientName, maxNameLen); err != nil {
		return err
	}
	for name, v := range md.Localized {
		limit := maxURILen
		if strings.HasPrefix(name, "client_name#") {
			limit = maxNameLen
		}
		if err := displayString(name, v, limit); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, value string }{{"software_id", md.SoftwareID}, {"software_version", md.SoftwareVersion}} {
		if err := displayString(f.name, f.value, maxShortLen); err != nil {
			return err
		}
	}
	if len(md.Contacts) > maxListLen {
		return metaErr("contacts: at most %d entries", maxListLen)
	}
	for i, c := range md.Contacts {
		if c == "" {
			return metaErr("contacts[%d]: must not be empty", i)
		}
		if err := displayString(fmt.Sprintf("contacts[%d]", i), c, maxShortLen); err != nil {
			return err
		}
	}
	return nil
}

func displayString(name, v string, limit int) error {
	if len([]rune(v)) > limit {
		return metaErr("%s: longer than %d characters", name, limit)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return metaErr("%s: control characters are not allowed", name)
	}
	// Format characters (bidi overrides such as U+202E, zero-width
	// joiners…) can make a name shown on the consent page read as another.
	if strings.IndexFunc(v, isFormatChar) >= 0 {
		return metaErr("%s: invisible formatting characters (such as bidirectional overrides) are not allowed", name)
	}
	return nil
}

func isFormatChar(r rune) bool { return unicode.Is(unicode.Cf, r) }

// uriChars reports whether raw holds only characters RFC 3986 §2 allows
// in a URI: url.Parse is lenient and keeps spaces, quotes and angle
// brackets, which no real URI contains.
func uriChars(raw string) bool {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`"+`{|}`, c) >= 0 {
			return false
		}
	}
	return true
}

// checkURIs: informational and key URIs are absolute https URLs; the
// display ones are shown to users, so no http (RFC 7591 §5).
func checkURIs(md *Metadata, _ Policy) error {
	uris := []struct{ name, value string }{
		{"client_uri", md.ClientURI}, {"logo_uri", md.LogoURI}, {"tos_uri", md.TOSURI},
		{"policy_uri", md.PolicyURI}, {"jwks_uri", md.JWKSURI}, {"initiate_login_uri", md.InitiateLoginURI},
		{"sector_identifier_uri", md.SectorIdentifierURI},
	}
	for name, v := range md.Localized {
		if !strings.HasPrefix(name, "client_name#") {
			uris = append(uris, struct{ name, value string }{name, v})
		}
	}
	for _, u := range uris {
		if u.value == "" {
			continue
		}
		if err := httpsURL(u.value); err != nil {
			return metaErr("%s: %v", u.name, err)
		}
	}
	return nil
}

func httpsURL(raw string) error {
	if len(raw) > maxURILen {
		return fmt.Errorf("longer than %d characters", maxURILen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if !uriChars(raw) {
		return fmt.Errorf("%q has characters a URI cannot contain (percent-encode spaces, quotes and brackets)", raw)
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%q must use https", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not contain user information", raw)
	}
	if err := CheckPort(u); err != nil {
		return fmt.Errorf("%q: %v", raw, err)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%q must not contain a fragment", raw)
	}
	return nil
}

func checkAlgs(md *Metadata, p Policy) error {
	alg := md.IDTokenSignedResponseAlg
	if alg == "none" {
		// OIDC Registration §2: only for clients receiving no ID token from
		// the authorization endpoint; we never sign with none.
		return metaErr("id_token_signed_response_alg: none is not allowed")
	}
	if !slices.Contains(p.SigningAlgs, alg) {
		return metaErr("id_token_signed_response_alg: %q is not supported; allowed: %s", alg, strings.Join(p.SigningAlgs, ", "))
	}
	return nil
}

// HMACAlgs are the algs of client_secret_jwt: MACs keyed with the client
// secret (RFC 7518 §3.2).
var HMACAlgs = []string{"HS256", "HS384", "HS512"}

// checkAssertionAuth: a private_key_jwt client registers the keys its
// assertions verify with, and token_endpoint_auth_signing_alg, which only
// the JWT methods use, fits the method: asymmetric for private_key_jwt
// (an HMAC alg there would be keyed with a public key anyone can read),
// HMAC for client_secret_jwt.
func checkAssertionAuth(md *Metadata, p Policy) error {
	method, alg := md.AuthMethod(), md.TokenEndpointAuthSigningAlg
	if method == AuthPrivateKeyJWT && len(md.JWKS) == 0 && md.JWKSURI == "" {
		return metaErr("token_endpoint_auth_method: private_key_jwt needs the client's public keys in jwks or jwks_uri")
	}
	if alg == "" {
		return nil
	}
	var allowed []string
	switch method {
	case AuthPrivateKeyJWT:
		allowed = p.AssertionAlgs
	case AuthClientSecretJWT:
		allowed = HMACAlgs
	default:
		return metaErr("token_endpoint_auth_signing_alg: only private_key_jwt and client_secret_jwt use it; this client is registered for %s", method)
	}
	if !slices.Contains(allowed, alg) {
		return metaErr("token_endpoint_auth_signing_alg: %q is not allowed with %s; allowed: %s", alg, method, strings.Join(allowed, ", "))
	}
	return nil
}

// UnsignedRequestObject is the request_object_signing_alg of a client
// whose request objects are not signed (OIDC Registration §2).
const UnsignedRequestObject = "none"

// checkRequestObjectAlg: OIDC Registration §2, every request object of
// the client must be signed with request_object_signing_alg. An
// asymmetric alg the workspace accepts, verified with the client's own
// keys (an HMAC alg would need its secret sealed, as client_secret_jwt
// does); none only where the workspace admits unsigned objects.
func checkRequestObjectAlg(md *Metadata, p Policy) error {
	switch alg := md.RequestObjectSigningAlg; {
	case alg == "":
		return nil
	case alg == UnsignedRequestObject:
		if !p.AllowUnsignedRequestObjects {
			return metaErr("request_object_signing_alg: none is not allowed in this workspace; request objects must be signed with one of %s", strings.Join(p.AssertionAlgs, ", "))
		}
		return nil
	case !slices.Contains(p.AssertionAlgs, alg):
		return metaErr("request_object_signing_alg: %q is not allowed; allowed: %s", alg, strings.Join(p.AssertionAlgs, ", "))
	case len(md.JWKS) == 0 && md.JWKSURI == "":
		return metaErr("request_object_signing_alg: signed request objects need the client's public keys in jwks or jwks_uri")
	}
	return nil
}

// checkUnsupported refuses metadata for features this server does not
// implement yet, rather than storing a promise it would not keep
// (RFC 9700 §2.6: what a client is told must be true).
func checkUnsupported(md *Metadata, _ Policy) error {
	unsupported := []struct {
		name string
		set  bool
		why  string
	}{
		{"id_token_encrypted_response_alg", md.IDTokenEncryptedResponseAlg != "", "ID token encryption is not supported"},
		{"id_token_encrypted_response_enc", md.IDTokenEncryptedResponseEnc != "", "ID token encryption is not supported"},
		{"userinfo_signed_response_alg", md.UserinfoSignedResponseAlg != "", "signed userinfo responses are not supported"},
		{"userinfo_encrypted_response_alg", md.UserinfoEncryptedResponseAlg != "", "userinfo encryption is not supported"},
		{"userinfo_encrypted_response_enc", md.UserinfoEncryptedResponseEnc != "", "userinfo encryption is not supported"},
		{"request_object_encryption_alg", md.RequestObjectEncryptionAlg != "", "encrypted request objects are not supported"},
		{"request_object_encryption_enc", md.RequestObjectEncryptionEnc != "", "encrypted request objects are not supported"},
		{"request_uris", len(md.RequestURIs) > 0, "request_uri values are never fetched; only those of the pushed authorization request endpoint are accepted"},
	}
	for _, u := range unsupported {
		if u.set {
			return metaErr("%s: %s", u.name, u.why)
		}
	}
	if md.DefaultMaxAge != nil && *md.DefaultMaxAge < 0 {
		return metaErr("default_max_age: must be a non-negative integer number of seconds")
	}
	return nil
}

func checkLifetimes(md *Metadata, p Policy) error {
	const ours = "this workspace's maximum"
	idleMax, idleBound := p.MaxRefreshTokenTTL, ours
	if md.RefreshTokenLifetime > 0 && md.RefreshTokenLifetime < idleMax {
		// A grant ends refresh_token_lifetime after the sign-in: an idle
		// lifetime past it would say tokens live longer than they can.
		idleMax, idleBound = md.RefreshTokenLifetime, "the client's refresh_token_lifetime"
	}
	for _, l := range []struct {
		name       string
		value, max int64
		bound      string
	}{
		{"access_token_lifetime", md.AccessTokenLifetime, p.MaxAccessTokenTTL, ours},
		{"refresh_token_lifetime", md.RefreshTokenLifetime, p.MaxRefreshTokenTTL, ours},
		{"refresh_token_idle_lifetime", md.RefreshTokenIdleLifetime, idleMax, idleBound},
		{"id_token_lifetime", md.IDTokenLifetime, p.MaxIDTokenTTL, ours},
		{"authorization_code_lifetime", md.AuthorizationCodeLifetime, MaxAuthorizationCodeLifetime, "the server's maximum"},
	} {
		if l.value < 0 {
			return metaErr("%s: must be a positive number of seconds", l.name)
		}
		if l.value > l.max {
			return metaErr("%s: %d exceeds %s of %d seconds", l.name, l.value, l.bound, l.max)
		}
	}
	return nil
}

// IsLoopbackHost: RFC 8252 §7.3 loopback redirect hosts. Registration and
// the authorization endpoint's any-port match must agree on them. An
// IPv4-mapped IPv6 address ([::ffff:127.0.0.1]) is not one: §7.3 names
// 127.0.0.1 and [::1], and the mapped form is a second spelling of an
// IPv4 address, a non-normalised form SPECS §3.2 refuses.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && !ip.Is4In6() && ip.IsLoopback()
}
