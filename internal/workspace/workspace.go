// Package workspace defines a workspace: one issuer ({base}/{name}) with its
// own keys, clients, tokens and settings. Settings are data kept in the
// store (as JSON) so later capabilities add fields, not schema.
package workspace

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

// DefaultName is the workspace that always exists.
const DefaultName = "default"

// Workspace is one issuer.
type Workspace struct {
	Name      string
	Settings  Settings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Token formats: of the access tokens a workspace issues
// (Settings.AccessTokenFormat) and of each stored token (store.Token).
const (
	FormatJWT    = "jwt"
	FormatOpaque = "opaque"
)

// Registration protection modes (DESIGN.md).
const (
	ModeOpen               = "open"
	ModeInitialAccessToken = "initial_access_token"
)

// Settings are per-workspace choices. Durations are stored as seconds so the
// JSON form is stable and readable.
type Settings struct {
	// Profile holds the workspace to a security profile (profile.go):
	// openbanking_uk or fapi2; empty is none.
	Profile string `json:"profile,omitempty" yaml:"profile"`
	// AccessTokenFormat is "jwt" (RFC 9068) or "opaque".
	AccessTokenFormat string `json:"access_token_format" yaml:"access_token_format"`
	// AccessTokenAlg signs JWT access tokens. ES256 by default: RS256 costs
	// ~18x more CPU per token on this class of machine.
	AccessTokenAlg string `json:"access_token_alg" yaml:"access_token_alg"`
	// Lifetimes in seconds.
	AccessTokenTTL  int64 `json:"access_token_ttl" yaml:"access_token_ttl"`
	RefreshTokenTTL int64 `json:"refresh_token_ttl" yaml:"refresh_token_ttl"`
	IDTokenTTL      int64 `json:"id_token_ttl" yaml:"id_token_ttl"`
	// Scopes this workspace knows; clients may only register (and ask for) these.
	Scopes []string `json:"scopes" yaml:"scopes"`
	// CORSOrigins may call the registration, token and userinfo endpoints
	// from a browser. Discovery and JWKS answer any origin.
	CORSOrigins []string `json:"cors_origins,omitempty" yaml:"cors_origins"`
	// Resources are the RFC 8707 resource indicators clients may ask
	// tokens for; such a token's aud is the resource.
	Resources []string `json:"resources,omitempty" yaml:"resources"`
	// RequirePKCE makes PKCE mandatory for confidential clients too
	// (it always is for public clients).
	RequirePKCE bool `json:"require_pkce" yaml:"require_pkce"`
	// RequirePushedAuthorizationRequests refuses an authorization request
	// that was not pushed first (RFC 9126 §5), for every client; a client
	// can also ask for it in its own metadata.
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests,omitempty" yaml:"require_pushed_authorization_requests"`
	// AllowPlainPKCE admits code_challenge_method=plain (off: RFC 9700 §2.1.1).
	AllowPlainPKCE bool `json:"allow_plain_pkce" yaml:"allow_plain_pkce"`
	// JWKSMaxAge is the JWKS's Cache-Control max-age in seconds. It also
	// sets how long a rotated-in key is published before it signs (see
	// keyring.Ring.Rotate), so a verifier's cached JWKS never lacks the
	// key of a token it is handed. Read it with JWKSCacheTTL.
	JWKSMaxAge int64 `json:"jwks_max_age,omitempty" yaml:"jwks_max_age"`
	// Registration holds the DCR settings.
	Registration Registration `json:"registration" yaml:"registration"`
	// Login holds the limits on password guessing. Read them with
	// LoginMaxFailures and LoginLockout.
	Login Login `json:"login,omitzero" yaml:"login"`
	// ClientAuth holds the rules for JWT client assertions
	// (private_key_jwt, client_secret_jwt). Read them with
	// AssertionMaxLifetime and AssertionAlgs.
	ClientAuth ClientAuth `json:"client_auth,omitzero" yaml:"client_auth"`
	// RequestObjects holds the rules for request objects (RFC 9101).
	RequestObjects RequestObjects `json:"request_objects,omitzero" yaml:"request_objects"`
}

// RequestObjects holds the rules for request objects (RFC 9101). They are
// verified with the client's keys under the algs of client_auth.signing_algs.
type RequestObjects struct {
	// AllowUnsigned admits request objects with alg none from clients
	// that registered request_object_signing_alg none. Off: an unsigned
	// object proves nothing a query string does not, and RFC 8725 §3.2
	// and FAPI refuse none wherever a signature could be asked for.
	AllowUnsigned bool `json:"allow_unsigned,omitempty" yaml:"allow_unsigned"`
}

// ClientAuth holds the rules for client assertions (RFC 7523 §3).
type ClientAuth struct {
	// AssertionMaxLifetime bounds an assertion's lifetime: exp − iat, or
	// exp − now when it has no iat. Its jti is remembered that long.
	AssertionMaxLifetime Seconds `json:"assertion_max_lifetime,omitempty" yaml:"assertion_max_lifetime"`
	// SigningAlgs are the algs a private_key_jwt assertion may use when
	// the client registered no token_endpoint_auth_signing_alg, and the
	// ones it may register.
	SigningAlgs []string `json:"signing_algs,omitempty" yaml:"signing_algs"`
}

// Defaults of the client assertion settings.
const DefaultAssertionMaxLifetime = Seconds(3600)

// DefaultAssertionAlgs are client_auth.signing_algs by default: PS256 and
// ES256 (FAPI 2.0's), RS256 (what most libraries sign with), EdDSA.
var DefaultAssertionAlgs = []string{"PS256", "ES256", "RS256", "EdDSA"}

// AssertionAlgsSupported are the asymmetric algs client_auth.signing_algs
// may name. HMAC algs are client_secret_jwt's alone, and none is never
// accepted.
var AssertionAlgsSupported = []string{"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "EdDSA"}

// maxAssertionLifetime caps client_auth.assertion_max_lifetime: an
// assertion is a one-off credential, and its jti is stored that long.
const maxAssertionLifetime = 24 * 3600

// AssertionMaxLifetime is client_auth.assertion_max_lifetime, or the
// default for settings stored before it existed.
func (s Settings) AssertionMaxLifetime() time.Duration {
	if s.ClientAuth.AssertionMaxLifetime <= 0 {
		return DefaultAssertionMaxLifetime.Duration()
	}
	return s.ClientAuth.AssertionMaxLifetime.Duration()
}

// AssertionAlgs is client_auth.signing_algs, or the default for settings
// stored before it existed.
func (s Settings) AssertionAlgs() []string {
	if len(s.ClientAuth.SigningAlgs) == 0 {
		return DefaultAssertionAlgs
	}
	return s.ClientAuth.SigningAlgs
}

func (c ClientAuth) validate() []SettingError {
	var errs []SettingError
	if c.AssertionMaxLifetime < 1 || c.AssertionMaxLifetime > maxAssertionLifetime {
		errs = append(errs, invalid("client_auth.assertion_max_lifetime", "must be between 1 second and %d seconds (a day)", maxAssertionLifetime))
	}
	if len(c.SigningAlgs) == 0 {
		errs = append(errs, invalid("client_auth.signing_algs", "must name at least one of %v", AssertionAlgsSupported))
	}
	for i, alg := range c.SigningAlgs {
		if !slices.Contains(AssertionAlgsSupported, alg) {
			errs = append(errs, invalidItem("client_auth.signing_algs", i, "%q is not one of %v (HMAC algs are for client_secret_jwt only, and none is never allowed)", alg, AssertionAlgsSupported))
		} else if slices.Contains(c.SigningAlgs[:i], alg) {
			errs = append(errs, invalidItem("client_auth.signing_algs", i, "%q is listed twice", alg))
		}
	}
	return errs
}

// Login holds the limits on password guessing (NIST SP 800-63B §5.2.2).
type Login struct {
	// MaxFailures consecutive failed sign-ins lock an account.
	MaxFailures int `json:"max_failures,omitempty" yaml:"max_failures"`
	// Lockout is how long, in seconds, a lock lasts unless an operator
	// lifts it first.
	Lockout int64 `json:"lockout,omitempty" yaml:"lockout"`
}

// Defaults of the login settings. NIST SP 800-63B §5.2.2 allows at most
// 100 consecutive failures; an hour's lock leaves a guesser, once locked,
// one guess an hour (see interact's throttle) while an owner locked out
// by someone else waits no longer than a meeting.
const (
	DefaultLoginMaxFailures = 100
	DefaultLoginLockout     = 3600
)

// LoginMaxFailures is login.max_failures. Settings stored before it
// existed have none: they get the default.
func (s Settings) LoginMaxFailures() int {
	if s.Login.MaxFailures <= 0 {
		return DefaultLoginMaxFailures
	}
	return s.Login.MaxFailures
}

// LoginLockout is login.lockout, or the default for settings stored
// before it existed.
func (s Settings) LoginLockout() time.Duration {
	if s.Login.Lockout <= 0 {
		return DefaultLoginLockout * time.Second
	}
	return time.Duration(s.Login.Lockout) * time.Second
}

func (l Login) validate() []SettingError {
	var errs []SettingError
	if l.MaxFailures < 1 || l.MaxFailures > DefaultLoginMaxFailures {
		errs = append(errs, invalid("login.max_failures", "must be between 1 and %d (NIST SP 800-63B §5.2.2)", DefaultLoginMaxFailures))
	}
	if l.Lockout <= 0 {
		errs = append(errs, invalid("login.lockout", "must be a positive number of seconds"))
	}
	return errs
}

// Registration holds the Dynamic Client Registration settings.
type Registration struct {
	Enabled bool   `json:"enabled" yaml:"enabled"`
	Mode    string `json:"mode" yaml:"mode"`
	// Scope an access token must carry to be used as an initial access token.
	Scope string `json:"scope" yaml:"scope"`
	// RegistrationTokenTTL is the registration access token lifetime in seconds.
	RegistrationTokenTTL int64 `json:"registration_token_ttl" yaml:"registration_token_ttl"`
	// RotateRegistrationToken is "on_update" or "on_read_and_update".
	RotateRegistrationToken string `json:"rotate_registration_token" yaml:"rotate_registration_token"`
	// Allow-lists applied at registration and on update. Empty Scopes
	// means every workspace scope except the registration scope itself, so
	// a registered client can never mint initial access tokens.
	Scopes          []string `json:"scopes,omitempty" yaml:"scopes"`
	GrantTypes      []string `json:"grant_types" yaml:"grant_types"`
	ResponseTypes   []string `json:"response_types" yaml:"response_types"`
	AuthMethods     []string `json:"auth_methods" yaml:"auth_methods"`
	RedirectSchemes []string `json:"redirect_schemes,omitempty" yaml:"redirect_schemes"`
	RedirectHosts   []string `json:"redirect_hosts,omitempty" yaml:"redirect_hosts"`
	// MaxClients caps the clients the workspace holds, operator-made ones
	// included, beyond which a registration is refused; 0 is no cap.
	MaxClients int `json:"max_clients,omitempty" yaml:"max_clients"`
	// UnusedClientTTL is how long a dynamically registered client that no
	// token was ever issued to is kept before it is deleted; 0 keeps it.
	UnusedClientTTL Seconds `json:"unused_client_ttl,omitempty" yaml:"unused_client_ttl"`
	// SoftwareStatement says whether registrations carry a statement
	// signed by a trusted issuer, and whom to trust (statement.go).
	SoftwareStatement SoftwareStatement `json:"software_statement,omitzero" yaml:"software_statement"`
	// SignedRequest is off, optional or required: whether a registration
	// or update body is a JWS signed with the software's keys. Read it
	// with SignedRequestMode.
	SignedRequest string `json:"signed_request,omitempty" yaml:"signed_request"`
	// Audiences a signed request's aud may name besides the issuer and
	// the registration endpoint (Open Banking sends the bank's org id).
	Audiences []string `json:"audiences,omitempty" yaml:"audiences"`
	// SignedRequestAlgs are the algs a signed registration or update body
	// may be signed with. Read it with SignedRequestAlgorithms.
	SignedRequestAlgs []string `json:"signed_request_algs,omitempty" yaml:"signed_request_algs"`
	// RoleScopes maps a software statement's software_roles to the
	// scopes a client of that role may hold (Open Banking UK: AISP,
	// PISP, CBPII). Read it with RoleScopeMap.
	RoleScopes map[string][]string `json:"role_scopes,omitempty" yaml:"role_scopes"`
	// Shaping: defaults, templates and token_use (template.go).
	Shaping `yaml:",inline"`
	// Policies are rules in CEL each registration and update must pass
	// (policy.go); PolicyCost bounds one rule's evaluation (read it
	// with PolicyCostLimit).
	Policies   []Policy `json:"policies,omitempty" yaml:"policies"`
	PolicyCost int64    `json:"policy_cost_limit,omitempty" yaml:"policy_cost_limit"`
}

// Registration access token rotation policies.
const (
	RotateOnUpdate        = "on_update"
	RotateOnReadAndUpdate = "on_read_and_update"
)

// RegistrationScopes are the scopes a dynamically registered client may hold.
func (s Settings) RegistrationScopes() []string {
	if len(s.Registration.Scopes) > 0 {
		return s.Registration.Scopes
	}
	out := make([]string, 0, len(s.Scopes))
	for _, sc := range s.Scopes {
		if sc != s.Registration.Scope {
			out = append(out, sc)
		}
	}
	return out
}

// DefaultSettings are the settings of a new workspace.
func DefaultSettings() Settings {
	return Settings{
		AccessTokenFormat: FormatJWT,
		AccessTokenAlg:    "ES256",
		AccessTokenTTL:    600,
		RefreshTokenTTL:   30 * 24 * 3600,
		IDTokenTTL:        3600,
		Scopes:            []string{"openid", "profile", "email", "offline_access", "dcr"},
		RequirePKCE:       true,
		JWKSMaxAge:        DefaultJWKSMaxAge,
		Login:             Login{MaxFailures: DefaultLoginMaxFailures, Lockout: DefaultLoginLockout},
		ClientAuth:        ClientAuth{AssertionMaxLifetime: DefaultAssertionMaxLifetime, SigningAlgs: slices.Clone(DefaultAssertionAlgs)},
		Registration: Registration{
			Enabled:                 true,
			Mode:                    ModeInitialAccessToken,
			Scope:                   "dcr",
			RegistrationTokenTTL:    30 * 24 * 3600,
			RotateRegistrationToken: RotateOnUpdate,
			GrantTypes:              []string{"authorization_code", "refresh_token", "client_credentials"},
			ResponseTypes:           []string{"code"},
			// private_key_jwt and the two mutual-TLS methods are allowed by
			// default: discovery lists what a workspace allows, and a
			// key-based client is safer than a secret-based one (a
			// tls_client_auth client authenticates only once client_ca
			// is set). client_secret_jwt is an operator's choice, as it
			// has the server keep the secret decryptable.
			AuthMethods: []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth", "none"},
		},
	}
}

// DefaultJWKSMaxAge (seconds) keeps verifiers close to our key set: a
// rotation waits this long (plus the nodes' key refresh) before signing.
const DefaultJWKSMaxAge = 60

// maxJWKSMaxAge caps jwks_max_age at a day: a key rotation waits that long.
const maxJWKSMaxAge = 24 * 3600

// SigningAlgs are the JWS algorithms every workspace has keys for.
var SigningAlgs = []string{"ES256", "RS256", "PS256"}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// reserved names collide with top-level routes.
var reserved = []string{"admin", "healthz", "readyz", "metrics", "well-known", ".well-known", "static", "api"}

// ValidateName checks a workspace name is usable as a single path segment.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("workspace name %q: use 1-63 lower-case letters, digits and '-', starting with a letter or digit", name)
	}
	if slices.Contains(reserved, name) {
		return fmt.Errorf("workspace name %q is reserved", name)
	}
	return nil
}

// SettingError is one invalid setting. Key names it as YAML and JSON do
// ("registration.mode"); Item is the list entry at fault, or -1 for the
// setting as a whole, so a caller that knows where the settings were
// written (the config file) can point at the very value.
type SettingError struct {
	Key  string
	Item int
	Msg  string
	// Field names a member of the entry at fault ("rule"), or "".
	Field string
}

func (e SettingError) Error() string { return e.Key + ": " + e.Msg }

// Path is Key down to the entry at fault: "scopes[2]".
func (e SettingError) Path() string {
	if e.Item < 0 {
		return e.Key
	}
	if e.Field != "" {
		return fmt.Sprintf("%s[%d].%s", e.Key, e.Item, e.Field)
	}
	return fmt.Sprintf("%s[%d]", e.Key, e.Item)
}

// invalid is a SettingError about key as a whole.
func invalid(key, format string, args ...any) SettingError {
	return SettingError{Key: key, Item: -1, Msg: fmt.Sprintf(format, args...)}
}

// invalidItem is a SettingError about entry i of the list key.
func invalidItem(key string, i int, format string, args ...any) SettingError {
	return SettingError{Key: key, Item: i, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports every problem with s at once.
func (s Settings) Validate() []SettingError {
	var errs []SettingError
	if s.AccessTokenFormat != FormatJWT && s.AccessTokenFormat != FormatOpaque {
		errs = append(errs, invalid("access_token_format", "%q is not one of jwt, opaque", s.AccessTokenFormat))
	}
	if !slices.Contains(SigningAlgs, s.AccessTokenAlg) {
		errs = append(errs, invalid("access_token_alg", "%q is not one of %v", s.AccessTokenAlg, SigningAlgs))
	}
	// In a fixed order, so the errors (and the file lines they name) do
	// not shuffle from one run to the next.
	for _, ttl := range []struct {
		key string
		v   int64
	}{{"access_token_ttl", s.AccessTokenTTL}, {"refresh_token_ttl", s.RefreshTokenTTL}, {"id_token_ttl", s.IDTokenTTL}} {
		if ttl.v <= 0 {
			errs = append(errs, invalid(ttl.key, "must be a positive number of seconds"))
		}
	}
	// The registration defaults are held to these lifetimes as maximums:
	// against one already refused they would only repeat the problem.
	lifetimesValid := !slices.ContainsFunc(errs, func(e SettingError) bool { return strings.HasSuffix(e.Key, "_ttl") })
	if s.JWKSMaxAge < 1 || s.JWKSMaxAge > maxJWKSMaxAge {
		errs = append(errs, invalid("jwks_max_age", "must be between 1 and %d seconds", maxJWKSMaxAge))
	}
	errs = append(errs, validateScopes(s.Scopes)...)
	errs = append(errs, s.Login.validate()...)
	errs = append(errs, s.ClientAuth.validate()...)
	errs = append(errs, s.Registration.validate(s.Scopes)...)
	if lifetimesValid {
		errs = append(errs, s.validateShaping()...)
	}
	if !s.IsProfile(ProfileOpenBankingUK) {
		// The profile's own check covers its defaults as well.
		errs = append(errs, s.validateRoleScopes(s.Registration.RoleScopes)...)
	}
	return append(errs, s.validateProfile()...)
}

// validate checks the registration settings; scopes are the workspace's,
// which registration.scope (the initial access token's) and the
// registration.scopes allow-list must both be drawn from.
func (r Registration) validate(scopes []string) []SettingError {
	var errs []SettingError
	if r.Scope != "" && !client.ValidScopeToken(r.Scope) {
		errs = append(errs, invalid("registration.scope", "%q is not a scope token %s", r.Scope, scopeTokenRule))
	} else if r.usesScope() && !slices.Contains(scopes, r.Scope) {
		// No client can be granted a scope the workspace lacks, so no
		// access token would ever be an initial access token: registration
		// would quietly take operator tokens only.
		errs = append(errs, invalid("registration.scope", "%q is not among the workspace scopes, so no client could get a token to register with; add it to scopes or name one of them", r.Scope))
	}
	if r.Mode != ModeOpen && r.Mode != ModeInitialAccessToken && r.Mode != ModeSoftwareStatement {
		errs = append(errs, invalid("registration.mode", "%q is not one of open, initial_access_token, software_statement", r.Mode))
	}
	if r.RotateRegistrationToken != RotateOnUpdate && r.RotateRegistrationToken != RotateOnReadAndUpdate {
		errs = append(errs, invalid("registration.rotate_registration_token", "%q is not one of on_update, on_read_and_update", r.RotateRegistrationToken))
	}
	if r.RegistrationTokenTTL <= 0 {
		errs = append(errs, invalid("registration.registration_token_ttl", "must be a positive number of seconds"))
	}
	for i, sc := range r.Scopes {
		if !slices.Contains(scopes, sc) {
			errs = append(errs, invalidItem("registration.scopes", i, "%q is not among the workspace scopes", sc))
		} else if sc == r.Scope {
			// A client holding the registration scope gets access tokens
			// that register more clients: one registration would breed
			// without end, past every initial access token an operator
			// counted out.
			errs = append(errs, invalidItem("registration.scopes", i, "%q is registration.scope, so a registered client could mint its own initial access tokens; leave it out", sc))
		}
	}
	if slices.Contains(everydayScopes, r.Scope) {
		// Nearly every client is granted these, so nearly every access
		// token would register clients: no protection at all.
		errs = append(errs, invalid("registration.scope", "%q is a scope ordinary sign-ins are granted, so their access tokens would register clients; name a scope of its own, such as dcr", r.Scope))
	}
	if r.MaxClients < 0 {
		errs = append(errs, invalid("registration.max_clients", "must be 0 (no cap) or a positive number of clients"))
	}
	if r.UnusedClientTTL != 0 && r.UnusedClientTTL.Duration() < MinUnusedClientTTL {
		errs = append(errs, invalid("registration.unused_client_ttl", "must be 0 (keep unused clients) or at least %s, so a client has time to get its first token", MinUnusedClientTTL))
	}
	errs = append(errs, r.validatePolicies()...)
	return append(errs, r.validateStatements()...)
}

// everydayScopes are the OpenID Connect scopes (OIDC Core §5.4, §11) that
// clients routinely ask for and users routinely grant.
var everydayScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access"}

// MinUnusedClientTTL is the shortest registration.unused_client_ttl: a
// client registered at install time may wait a while for its first sign-in.
const MinUnusedClientTTL = time.Hour

// usesScope: the registration scope is read only when registration is on
// and asks for a token; elsewhere it may name any scope, or none.
func (r Registration) usesScope() bool {
	return r.Enabled && r.Mode == ModeInitialAccessToken && r.Scope != ""
}

// scopeTokenRule says, in an error, what a scope token may hold.
const scopeTokenRule = `(RFC 6749 §3.3: printable ASCII, no space, '"' or '\')`

// validateScopes: discovery lists the workspace scopes and clients ask
// for them space-separated, so each must be an RFC 6749 §3.3 scope-token;
// one listed twice is a slip.
func validateScopes(scopes []string) []SettingError {
	var errs []SettingError
	for i, sc := range scopes {
		if !client.ValidScopeToken(sc) {
			errs = append(errs, invalidItem("scopes", i, "%q is not a scope token %s", sc, scopeTokenRule))
		} else if slices.Contains(scopes[:i], sc) {
			errs = append(errs, invalidItem("scopes", i, "%q is listed twice", sc))
		}
	}
	return errs
}

// MaxTokenTTL is the longest any token signed by this workspace's keys can
// live: a retired key stays published at least this long.
func (s Settings) MaxTokenTTL() time.Duration {
	return time.Duration(max(s.AccessTokenTTL, s.IDTokenTTL)) * time.Second
}

// JWKSCacheTTL is how long verifiers may cache the JWKS. Settings stored
// before jwks_max_age existed have none: they get the default.
func (s Settings) JWKSCacheTTL() time.Duration {
	if s.JWKSMaxAge <= 0 {
		return DefaultJWKSMaxAge * time.Second
	}
	return time.Duration(s.JWKSMaxAge) * time.Second
}

// Lookup resolves a workspace by the name in a request's path. An unknown
// name is an error that answers 404 as it stands (the server's cache says
// so), so a handler needs no rule of its own for it.
type Lookup func(ctx context.Context, name string) (Workspace, error)
