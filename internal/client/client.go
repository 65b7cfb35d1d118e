// Package client defines an OAuth client and its registration metadata, the
// full RFC 7591 §2 / OpenID Connect Registration §2 model, so that every
// later capability (DCR, the code flow, protected registration) stores into
// the same record without schema changes.
package client

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

// Origins: how a client came to be.
const (
	OriginDCR   = "dcr"
	OriginCLI   = "cli"
	OriginAdmin = "admin"
)

// Token endpoint authentication methods (RFC 7591 §2, OIDC Core §9, RFC 8705).
const (
	AuthNone                    = "none"
	AuthClientSecretBasic       = "client_secret_basic"
	AuthClientSecretPost        = "client_secret_post"
	AuthClientSecretJWT         = "client_secret_jwt"
	AuthPrivateKeyJWT           = "private_key_jwt"
	AuthTLSClientAuth           = "tls_client_auth"
	AuthSelfSignedTLSClientAuth = "self_signed_tls_client_auth"
	GrantAuthorizationCode      = "authorization_code"
	GrantClientCredentials      = "client_credentials"
	GrantRefreshToken           = "refresh_token"
	ResponseTypeCode            = "code"
	ApplicationTypeWeb          = "web"
	ApplicationTypeNative       = "native"
	// ApplicationTypeMobile is Open Banking UK's third value, held to
	// web's redirect rules (Policy.MobileApplicationType).
	ApplicationTypeMobile        = "mobile"
	DefaultIDTokenSignedResponse = "RS256"
)

// Client is a registered client. Secret values are never held here, only
// their keyed hashes.
type Client struct {
	Workspace string
	ID        string
	// SecretHash is the keyed hash of the client secret; nil for clients
	// that authenticate without a shared secret.
	SecretHash []byte
	// SealedSecret is the client secret encrypted under the master key
	// (SecretAAD binds it to the client), kept only for client_secret_jwt,
	// whose assertions are MACs keyed with the secret itself; nil for
	// every other method, whose secrets are kept as SecretHash alone.
	SealedSecret []byte
	// SecretExpiresAt is zero when the secret never expires.
	SecretExpiresAt time.Time
	IssuedAt        time.Time
	UpdatedAt       time.Time
	// Version increases on every update (optimistic concurrency).
	Version    int64
	Metadata   Metadata
	Provenance Provenance
	// RegistrationTokenHash is the keyed hash of the RFC 7592 registration
	// access token; nil when the client cannot manage itself.
	RegistrationTokenHash      []byte
	RegistrationTokenExpiresAt time.Time
	// FirstTokenAt is when a token was first issued to the client; zero
	// while none has been. Only the store sets it (MarkClientUsed).
	FirstTokenAt time.Time
	// PreviousRegistrationTokenHash is the token the last rotation
	// replaced, kept so that a client whose answer was lost can still
	// rotate; nil when there is none. It stops working at
	// PreviousRegistrationTokenExpiresAt or when the current token is
	// used, whichever comes first (registration decides).
	PreviousRegistrationTokenHash      []byte
	PreviousRegistrationTokenExpiresAt time.Time
	// DisabledAt is when an operator disabled the client; zero while it
	// is enabled. A disabled client cannot authenticate, start an
	// authorization or manage its registration, and its tokens read as
	// inactive, until an operator enables it again.
	DisabledAt time.Time
}

// Disabled reports whether an operator disabled the client.
func (c Client) Disabled() bool { return !c.DisabledAt.IsZero() }

// SoftwareID is the software a client is an instance of: its metadata's
// software_id, or, when its metadata has none (an update left it out),
// the one its software statement gave at registration. Operators' lists,
// filters and views all use it.
func (c Client) SoftwareID() string {
	if c.Metadata.SoftwareID != "" {
		return c.Metadata.SoftwareID
	}
	return c.Provenance.SoftwareID
}

// SearchText is what an operator's search matches a client on: its name
// and id, lowercased, one per line.
func (c Client) SearchText() string {
	return strings.ToLower(c.Metadata.ClientName) + "\n" + strings.ToLower(c.ID)
}

// Provenance records how a client came to be.
type Provenance struct {
	Origin               string `json:"origin"`
	InitialAccessTokenID string `json:"initial_access_token_id,omitempty"`
	SoftwareID           string `json:"software_id,omitempty"`
	SoftwareStatementIss string `json:"software_statement_iss,omitempty"`
	// OrgID is the organisation its software statement names (Open
	// Banking's org_id), as the directory signed it.
	OrgID        string    `json:"org_id,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
}

// Metadata is the client metadata of RFC 7591 §2, OpenID Connect
// Registration §2, RFC 8705 §2 and the extensions Registrar supports. Field
// names on the wire follow the RFCs exactly.
type Metadata struct {
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	Contacts                []string `json:"contacts,omitempty"`
	TOSURI                  string   `json:"tos_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	JWKSURI                 string   `json:"jwks_uri,omitempty"`
	// JWKS is the JWK Set document, kept as JSON.
	JWKS            json.RawMessage `json:"jwks,omitempty"`
	SoftwareID      string          `json:"software_id,omitempty"`
	SoftwareVersion string          `json:"software_version,omitempty"`
	// SoftwareStatement is kept verbatim (RFC 7591 §3.2.1 returns it unmodified).
	SoftwareStatement string `json:"software_statement,omitempty"`

	// OpenID Connect Registration §2.
	ApplicationType              string   `json:"application_type,omitempty"`
	SectorIdentifierURI          string   `json:"sector_identifier_uri,omitempty"`
	SubjectType                  string   `json:"subject_type,omitempty"`
	IDTokenSignedResponseAlg     string   `json:"id_token_signed_response_alg,omitempty"`
	IDTokenEncryptedResponseAlg  string   `json:"id_token_encrypted_response_alg,omitempty"`
	IDTokenEncryptedResponseEnc  string   `json:"id_token_encrypted_response_enc,omitempty"`
	UserinfoSignedResponseAlg    string   `json:"userinfo_signed_response_alg,omitempty"`
	UserinfoEncryptedResponseAlg string   `json:"userinfo_encrypted_response_alg,omitempty"`
	UserinfoEncryptedResponseEnc string   `json:"userinfo_encrypted_response_enc,omitempty"`
	RequestObjectSigningAlg      string   `json:"request_object_signing_alg,omitempty"`
	RequestObjectEncryptionAlg   string   `json:"request_object_encryption_alg,omitempty"`
	RequestObjectEncryptionEnc   string   `json:"request_object_encryption_enc,omitempty"`
	TokenEndpointAuthSigningAlg  string   `json:"token_endpoint_auth_signing_alg,omitempty"`
	DefaultMaxAge                *int64   `json:"default_max_age,omitempty"`
	RequireAuthTime              bool     `json:"require_auth_time,omitempty"`
	DefaultACRValues             []string `json:"default_acr_values,omitempty"`
	InitiateLoginURI             string   `json:"initiate_login_uri,omitempty"`
	RequestURIs                  []string `json:"request_uris,omitempty"`
	PostLogoutRedirectURIs       []string `json:"post_logout_redirect_uris,omitempty"`

	// RFC 9126 §6: the client's authorization requests must be pushed.
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests,omitempty"`

	// RFC 8705 §2.1.2 / §3.4.
	TLSClientAuthSubjectDN               string `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientAuthSANDNS                  string `json:"tls_client_auth_san_dns,omitempty"`
	TLSClientAuthSANURI                  string `json:"tls_client_auth_san_uri,omitempty"`
	TLSClientAuthSANIP                   string `json:"tls_client_auth_san_ip,omitempty"`
	TLSClientAuthSANEmail                string `json:"tls_client_auth_san_email,omitempty"`
	TLSClientCertificateBoundAccessToken bool   `json:"tls_client_certificate_bound_access_tokens,omitempty"`

	// Template is the name of the template (registration.templates) the
	// client was made from; a registration may name one to pick it.
	Template string `json:"template,omitempty"`

	// Localized holds language-tagged human-readable values keyed as sent
	// (RFC 7591 §2.2), e.g. "client_name#fr" → "Mon application".
	Localized map[string]string `json:"localized,omitempty"`

	// Extension metadata: per-client token lifetimes in seconds, bounded
	// by the workspace maxima. Zero means the workspace default.
	// RefreshTokenLifetime is a grant's absolute lifetime (its refresh
	// tokens die that long after the sign-in, however often rotated);
	// RefreshTokenIdleLifetime, within it, how long each one lives unused.
	AccessTokenLifetime       int64 `json:"access_token_lifetime,omitempty"`
	RefreshTokenLifetime      int64 `json:"refresh_token_lifetime,omitempty"`
	RefreshTokenIdleLifetime  int64 `json:"refresh_token_idle_lifetime,omitempty"`
	IDTokenLifetime           int64 `json:"id_token_lifetime,omitempty"`
	AuthorizationCodeLifetime int64 `json:"authorization_code_lifetime,omitempty"`
}

// MaxAuthorizationCodeLifetime is how long, in seconds, an authorization
// code lives at most, and for a client that registers no shorter
// authorization_code_lifetime: a code is redeemed within seconds (RFC
// 6749 §4.1.2 caps it at 10 minutes; FAPI 2.0 §5.3.2.1 at 60 seconds).
const MaxAuthorizationCodeLifetime = 60

// LacksRedirectURIs reports a client of a redirect-based grant
// (authorization_code) with no redirect URI to receive its codes at: RFC
// 7591 §5 and OIDC Registration §2 make them required, and the client
// could never complete a flow. DCR and the CLI both refuse it.
func (m Metadata) LacksRedirectURIs() bool {
	return slices.Contains(m.GrantTypes, GrantAuthorizationCode) && len(m.RedirectURIs) == 0
}

// AuthMethod returns the registered token endpoint auth method with the
// RFC 7591 §2 default applied.
func (m Metadata) AuthMethod() string {
	if m.TokenEndpointAuthMethod == "" {
		return AuthClientSecretBasic
	}
	return m.TokenEndpointAuthMethod
}

// Grants returns grant_types with the RFC 7591 §2 default applied.
func (m Metadata) Grants() []string {
	if len(m.GrantTypes) == 0 {
		return []string{GrantAuthorizationCode}
	}
	return m.GrantTypes
}

// UsesSecret reports whether the auth method needs a shared secret.
func UsesSecret(method string) bool {
	switch method {
	case AuthClientSecretBasic, AuthClientSecretPost, AuthClientSecretJWT:
		return true
	}
	return false
}

// Clone returns a deep copy: nothing of m is shared with it, so a caller
// may change either freely.
func (m Metadata) Clone() Metadata {
	c := m
	c.RedirectURIs = slices.Clone(m.RedirectURIs)
	c.GrantTypes = slices.Clone(m.GrantTypes)
	c.ResponseTypes = slices.Clone(m.ResponseTypes)
	c.Contacts = slices.Clone(m.Contacts)
	c.JWKS = slices.Clone(m.JWKS)
	c.DefaultACRValues = slices.Clone(m.DefaultACRValues)
	c.RequestURIs = slices.Clone(m.RequestURIs)
	c.PostLogoutRedirectURIs = slices.Clone(m.PostLogoutRedirectURIs)
	c.Localized = maps.Clone(m.Localized)
	if m.DefaultMaxAge != nil {
		age := *m.DefaultMaxAge
		c.DefaultMaxAge = &age
	}
	return c
}
