package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// field decodes one metadata member into m.
type field func(m *Metadata, raw json.RawMessage) error

func str(get func(*Metadata) *string) field {
	return func(m *Metadata, raw json.RawMessage) error { return json.Unmarshal(raw, get(m)) }
}

// enum decodes a member whose value is one of a defined set: an auth
// method, an application or subject type, an algorithm or an encoding.
// RFC 7591 §2 and OIDC Registration §2 give each its default when it is
// omitted; "" is not omitted, and it is none of the defined values, so
// it is refused rather than read as the default (SPECS §3.2: only the
// listed values are accepted). null still counts as absent.
func enum(get func(*Metadata) *string) field {
	return func(m *Metadata, raw json.RawMessage) error {
		v := get(m)
		if err := json.Unmarshal(raw, v); err != nil {
			return err
		}
		if *v == "" {
			return errEmptyEnum
		}
		return nil
	}
}

// grantTypes refuses an explicit []: RFC 7591 §2 gives authorization_code
// only when the member is omitted, and a client with no grant could never
// obtain a token. (An empty response_types is right for a client that uses
// no redirect-based grant, so only this list is held to it.) null still
// counts as absent.
func grantTypes(m *Metadata, raw json.RawMessage) error {
	if err := json.Unmarshal(raw, &m.GrantTypes); err != nil {
		return err
	}
	if m.GrantTypes != nil && len(m.GrantTypes) == 0 {
		return errNoGrantTypes
	}
	return nil
}

func strs(get func(*Metadata) *[]string) field {
	return func(m *Metadata, raw json.RawMessage) error { return json.Unmarshal(raw, get(m)) }
}

func boolean(get func(*Metadata) *bool) field {
	return func(m *Metadata, raw json.RawMessage) error { return json.Unmarshal(raw, get(m)) }
}

func integer(get func(*Metadata) *int64) field {
	return func(m *Metadata, raw json.RawMessage) error { return json.Unmarshal(raw, get(m)) }
}

// fields maps each member name (exact spelling, RFC 7591 §2, OIDC
// Registration §2, RFC 8705 §2) to its decoder. Members not listed are
// ignored (RFC 7591 §2: the server MUST ignore metadata it does not understand).
var fields = map[string]field{
	"redirect_uris":                              strs(func(m *Metadata) *[]string { return &m.RedirectURIs }),
	"token_endpoint_auth_method":                 enum(func(m *Metadata) *string { return &m.TokenEndpointAuthMethod }),
	"grant_types":                                grantTypes,
	"response_types":                             strs(func(m *Metadata) *[]string { return &m.ResponseTypes }),
	"client_name":                                str(func(m *Metadata) *string { return &m.ClientName }),
	"client_uri":                                 str(func(m *Metadata) *string { return &m.ClientURI }),
	"logo_uri":                                   str(func(m *Metadata) *string { return &m.LogoURI }),
	"scope":                                      str(func(m *Metadata) *string { return &m.Scope }),
	"contacts":                                   strs(func(m *Metadata) *[]string { return &m.Contacts }),
	"tos_uri":                                    str(func(m *Metadata) *string { return &m.TOSURI }),
	"policy_uri":                                 str(func(m *Metadata) *string { return &m.PolicyURI }),
	"jwks_uri":                                   str(func(m *Metadata) *string { return &m.JWKSURI }),
	"jwks":                                       decodeJWKS,
	"software_id":                                str(func(m *Metadata) *string { return &m.SoftwareID }),
	"software_version":                           str(func(m *Metadata) *string { return &m.SoftwareVersion }),
	"application_type":                           enum(func(m *Metadata) *string { return &m.ApplicationType }),
	"sector_identifier_uri":                      str(func(m *Metadata) *string { return &m.SectorIdentifierURI }),
	"subject_type":                               enum(func(m *Metadata) *string { return &m.SubjectType }),
	"id_token_signed_response_alg":               enum(func(m *Metadata) *string { return &m.IDTokenSignedResponseAlg }),
	"id_token_encrypted_response_alg":            enum(func(m *Metadata) *string { return &m.IDTokenEncryptedResponseAlg }),
	"id_token_encrypted_response_enc":            enum(func(m *Metadata) *string { return &m.IDTokenEncryptedResponseEnc }),
	"userinfo_signed_response_alg":               enum(func(m *Metadata) *string { return &m.UserinfoSignedResponseAlg }),
	"userinfo_encrypted_response_alg":            enum(func(m *Metadata) *string { return &m.UserinfoEncryptedResponseAlg }),
	"userinfo_encrypted_response_enc":            enum(func(m *Metadata) *string { return &m.UserinfoEncryptedResponseEnc }),
	"request_object_signing_alg":                 enum(func(m *Metadata) *string { return &m.RequestObjectSigningAlg }),
	"request_object_encryption_alg":              enum(func(m *Metadata) *string { return &m.RequestObjectEncryptionAlg }),
	"request_object_encryption_enc":              enum(func(m *Metadata) *string { return &m.RequestObjectEncryptionEnc }),
	"token_endpoint_auth_signing_alg":            enum(func(m *Metadata) *string { return &m.TokenEndpointAuthSigningAlg }),
	"default_max_age":                            decodeMaxAge,
	"require_auth_time":                          boolean(func(m *Metadata) *bool { return &m.RequireAuthTime }),
	"default_acr_values":                         strs(func(m *Metadata) *[]string { return &m.DefaultACRValues }),
	"initiate_login_uri":                         str(func(m *Metadata) *string { return &m.InitiateLoginURI }),
	"request_uris":                               strs(func(m *Metadata) *[]string { return &m.RequestURIs }),
	"post_logout_redirect_uris":                  strs(func(m *Metadata) *[]string { return &m.PostLogoutRedirectURIs }),
	"require_pushed_authorization_requests":      boolean(func(m *Metadata) *bool { return &m.RequirePushedAuthorizationRequests }),
	"tls_client_auth_subject_dn":                 str(func(m *Metadata) *string { return &m.TLSClientAuthSubjectDN }),
	"tls_client_auth_san_dns":                    str(func(m *Metadata) *string { return &m.TLSClientAuthSANDNS }),
	"tls_client_auth_san_uri":                    str(func(m *Metadata) *string { return &m.TLSClientAuthSANURI }),
	"tls_client_auth_san_ip":                     str(func(m *Metadata) *string { return &m.TLSClientAuthSANIP }),
	"tls_client_auth_san_email":                  str(func(m *Metadata) *string { return &m.TLSClientAuthSANEmail }),
	"tls_client_certificate_bound_access_tokens": boolean(func(m *Metadata) *bool { return &m.TLSClientCertificateBoundAccessToken }),
	"access_token_lifetime":                      integer(func(m *Metadata) *int64 { return &m.AccessTokenLifetime }),
	"refresh_token_lifetime":                     integer(func(m *Metadata) *int64 { return &m.RefreshTokenLifetime }),
	"refresh_token_idle_lifetime":                integer(func(m *Metadata) *int64 { return &m.RefreshTokenIdleLifetime }),
	"id_token_lifetime":                          integer(func(m *Metadata) *int64 { return &m.IDTokenLifetime }),
	"authorization_code_lifetime":                integer(func(m *Metadata) *int64 { return &m.AuthorizationCodeLifetime }),
	"template":                                   str(func(m *Metadata) *string { return &m.Template }),
}

// aliases are other spellings of members, read as the member (the
// response names them ours): Open Banking UK DCR v3.2 names RFC 8705's
// tls_client_auth_subject_dn tls_client_auth_dn; Duende IdentityServer
// names the lifetimes its own way. Its absolute refresh token lifetime is
// our refresh_token_lifetime (a grant ends that long after the sign-in,
// however often its token is rotated), its sliding one our
// refresh_token_idle_lifetime (each token dies that long unused).
// authorization_code_lifetime is the same name in both.
var aliases = map[string]string{
	"tls_client_auth_dn":              "tls_client_auth_subject_dn",
	"identity_token_lifetime":         "id_token_lifetime",
	"absolute_refresh_token_lifetime": "refresh_token_lifetime",
	"sliding_refresh_token_lifetime":  "refresh_token_idle_lifetime",
}

// localizable are the human-readable members that may carry a language
// tag, "client_name#fr" (RFC 7591 §2.2; OIDC Registration §2.1).
var localizable = map[string]bool{"client_name": true, "client_uri": true, "logo_uri": true, "tos_uri": true, "policy_uri": true}

// languageTag is a loose BCP 47 shape: enough to refuse junk in keys.
var languageTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// DecodeMetadata maps a strictly decoded JSON object onto Metadata. Each
// known member must have its exact JSON type (a number where a string is
// due is an error naming the member); null counts as absent; unknown
// members are dropped.
func DecodeMetadata(obj map[string]json.RawMessage) (Metadata, error) {
	var m Metadata
	for name, raw := range obj {
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		if base, tag, ok := strings.Cut(name, "#"); ok {
			if err := decodeLocalized(&m, base, tag, name, raw); err != nil {
				return Metadata{}, err
			}
			continue
		}
		if canonical, ok := aliases[name]; ok {
			if other, both := obj[canonical]; both && !bytes.Equal(bytes.TrimSpace(other), bytes.TrimSpace(raw)) {
				return Metadata{}, oautherr.InvalidMetadata("%s and %s: two spellings of one member, with different values", name, canonical)
			}
			name = canonical
		}
		decode, known := fields[name]
		if !known {
			continue
		}
		if err := decode(&m, raw); err != nil {
			return Metadata{}, oautherr.InvalidMetadata("%s: %s", name, typeProblem(name, err))
		}
	}
	return m, nil
}

func decodeLocalized(m *Metadata, base, tag, name string, raw json.RawMessage) error {
	if !localizable[base] {
		return nil // unknown member: ignored like any other
	}
	if !languageTag.MatchString(tag) {
		return oautherr.InvalidMetadata("%s: %q is not a language tag", name, tag)
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return oautherr.InvalidMetadata("%s: must be a string", name)
	}
	if m.Localized == nil {
		m.Localized = map[string]string{}
	}
	// BCP 47 tags are case-insensitive: client_name#fr and client_name#FR
	// are one member sent twice, and which to show would be a guess.
	for other := range m.Localized {
		if strings.EqualFold(other, name) {
			return oautherr.InvalidMetadata("%s and %s: language tags are case-insensitive, so these name one value twice", other, name)
		}
	}
	m.Localized[name] = v
	return nil
}

// typeProblem names the expected JSON type of a member.
func typeProblem(name string, err error) string {
	switch name {
	case "require_auth_time", "tls_client_certificate_bound_access_tokens":
		return "must be a boolean"
	case "default_max_age", "access_token_lifetime", "refresh_token_lifetime", "refresh_token_idle_lifetime", "id_token_lifetime", "authorization_code_lifetime":
		return "must be a non-negative integer number of seconds"
	}
	var p problem
	if errors.As(err, &p) {
		return p.Error()
	}
	if isArrayField(name) {
		return "must be an array of strings"
	}
	return "must be a string"
}

func isArrayField(name string) bool {
	switch name {
	case "redirect_uris", "grant_types", "response_types", "contacts", "default_acr_values", "request_uris", "post_logout_redirect_uris":
		return true
	}
	return false
}

func decodeMaxAge(m *Metadata, raw json.RawMessage) error {
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	m.DefaultMaxAge = &v
	return nil
}

// decodeJWKS keeps the JWK Set verbatim (compacted) after checking it is an
// object; Validate checks its content.
func decodeJWKS(m *Metadata, raw json.RawMessage) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return errJWKSShape
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return errJWKSShape
	}
	m.JWKS = buf.Bytes()
	return nil
}

// problem is a decode error that describes the member's value in full,
// where naming the expected JSON type would not say what is wrong.
type problem string

func (e problem) Error() string { return string(e) }

var (
	errJWKSShape    = problem("must be a JWK Set object {\"keys\":[...]}")
	errNoGrantTypes = problem("must name at least one grant type; omit the member (or send null) for authorization_code")
	errEmptyEnum    = problem("must not be empty; send a supported value, or omit the member (or send null) for the default")
)
