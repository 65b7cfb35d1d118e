package client_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	. "github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/strictjson"
)

var testPolicy = Policy{
	Scopes:             []string{"openid", "profile", "email", "dcr", "read"},
	GrantTypes:         []string{GrantAuthorizationCode, GrantClientCredentials, GrantRefreshToken},
	ResponseTypes:      []string{ResponseTypeCode},
	AuthMethods:        []string{AuthClientSecretBasic, AuthClientSecretPost, AuthNone},
	SigningAlgs:        []string{"RS256", "PS256", "ES256"},
	MaxAccessTokenTTL:  600,
	MaxRefreshTokenTTL: 86400,
	MaxIDTokenTTL:      3600,
}

// register decodes body the way the registration endpoint does and validates it.
func register(t *testing.T, body string) (Metadata, error) {
	t.Helper()
	obj, err := strictjson.DecodeObject([]byte(body))
	if err != nil {
		return Metadata{}, oautherr.InvalidMetadata("%v", err)
	}
	md, err := DecodeMetadata(obj)
	if err != nil {
		return Metadata{}, err
	}
	return Validate(md, testPolicy)
}

// registerWith is register under another policy.
func registerWith(t *testing.T, p Policy, body string) (Metadata, error) {
	t.Helper()
	obj, err := strictjson.DecodeObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	md, err := DecodeMetadata(obj)
	if err != nil {
		return Metadata{}, err
	}
	return Validate(md, p)
}

// wantCode fails unless err is an oautherr.Error with code whose
// description mentions every one of mention.
func wantCode(t *testing.T, err error, code string, mention ...string) {
	t.Helper()
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	for _, m := range mention {
		if !strings.Contains(oe.Description, m) {
			t.Fatalf("description %q does not mention %q", oe.Description, m)
		}
	}
}

// TestValidateRedirectAllowLists: the workspace's redirect_schemes apply
// to every scheme and redirect_hosts to every http(s) host, loopback
// redirects of native clients included, so neither list can be bypassed.
func TestValidateRedirectAllowLists(t *testing.T) {
	p := testPolicy
	p.RedirectSchemes = []string{"https", "com.example.app"}
	p.RedirectHosts = []string{"app.example.com"}
	native := func(uri string) string {
		return `{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["` + uri + `"]}`
	}
	_, err := registerWith(t, p, native("http://127.0.0.1/cb"))
	wantCode(t, err, oautherr.InvalidRedirectURI, "scheme http", "https, com.example.app")
	_, err = registerWith(t, p, native("com.other.app:/cb"))
	wantCode(t, err, oautherr.InvalidRedirectURI, "scheme com.other.app", "https, com.example.app")
	_, err = registerWith(t, p, native("https://evil.example/cb"))
	wantCode(t, err, oautherr.InvalidRedirectURI, "host evil.example", "app.example.com")
	for _, ok := range []string{"com.example.app:/cb", "https://app.example.com/cb"} {
		if _, err := registerWith(t, p, native(ok)); err != nil {
			t.Fatalf("%s: %v", ok, err)
		}
	}

	p.RedirectSchemes = []string{"https", "http"}
	_, err = registerWith(t, p, native("http://127.0.0.1:8080/cb"))
	wantCode(t, err, oautherr.InvalidRedirectURI, "host 127.0.0.1", "app.example.com")
	p.RedirectHosts = []string{"app.example.com", "127.0.0.1", "::1"}
	for _, ok := range []string{"http://127.0.0.1:8080/cb", "http://[::1]/cb"} {
		if _, err := registerWith(t, p, native(ok)); err != nil {
			t.Fatalf("%s with its host listed: %v", ok, err)
		}
	}

	// A list of private-use schemes only now also rules out https.
	p.RedirectSchemes, p.RedirectHosts = []string{"com.example.app"}, nil
	_, err = registerWith(t, p, `{"redirect_uris":["https://app.example.com/cb"]}`)
	wantCode(t, err, oautherr.InvalidRedirectURI, "scheme https")
}

func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		check func(Metadata) string
	}{
		{"defaults for a web client", `{"redirect_uris":["https://app.example.com/cb"]}`, func(m Metadata) string {
			if m.ApplicationType != "web" || m.TokenEndpointAuthMethod != "client_secret_basic" ||
				m.GrantTypes[0] != "authorization_code" || m.ResponseTypes[0] != "code" ||
				m.SubjectType != "public" || m.IDTokenSignedResponseAlg != "RS256" {
				return "defaults not applied"
			}
			return ""
		}},
		{"seed 003 minimal client", `{"grant_types":["client_credentials"],"scope":"openid profile","redirect_uris":["https://tmp.com"]}`, func(m Metadata) string {
			if len(m.ResponseTypes) != 0 {
				return "client_credentials-only client got a response type"
			}
			return ""
		}},
		{"native loopback and private-use scheme", `{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["http://127.0.0.1/cb","http://[::1]:8080/cb","com.example.app:/oauth"]}`, nil},
		{"language-tagged name kept", `{"redirect_uris":["https://a.example/cb"],"client_name":"App","client_name#fr":"Appli"}`, func(m Metadata) string {
			if m.Localized["client_name#fr"] != "Appli" || m.ClientName != "App" {
				return "localized name lost"
			}
			return ""
		}},
		{"differently cased member is ignored", `{"redirect_uris":["https://a.example/cb"],"Redirect_URIs":["javascript:alert(1)"]}`, nil},
		{"unknown members ignored", `{"redirect_uris":["https://a.example/cb"],"frobnicate":true,"client_id":"chosen"}`, nil},
		{"public jwks", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"crv":"P-256","kty":"EC","x":"R1h1kTKU1DKWN0VjyGA3dlGSJiKnmD6IfagZLxKC-SY","y":"gRpn8BaKXwUiidVTIguv38IzQiZd2mTwTelxv4S_3gc"}]}}`, nil},
		{"lifetimes within bounds", `{"grant_types":["client_credentials"],"access_token_lifetime":300}`, nil},
		{"nulls are absent", `{"redirect_uris":["https://a.example/cb"],"client_name":null,"contacts":null}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, err := register(t, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				if problem := tc.check(md); problem != "" {
					t.Fatalf("%s: %+v", problem, md)
				}
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name, body, code, mention string
	}{
		{"fragment", `{"redirect_uris":["https://a.example/cb#x"]}`, oautherr.InvalidRedirectURI, "fragment"},
		{"javascript scheme", `{"redirect_uris":["javascript:alert(1)"]}`, oautherr.InvalidRedirectURI, "javascript"},
		{"data scheme", `{"redirect_uris":["data:text/html,hi"]}`, oautherr.InvalidRedirectURI, "data"},
		{"wildcard", `{"redirect_uris":["https://*.example.com/cb"]}`, oautherr.InvalidRedirectURI, "wildcard"},
		{"http for web", `{"redirect_uris":["http://app.example.com/cb"]}`, oautherr.InvalidRedirectURI, "https"},
		{"http localhost for web", `{"application_type":"web","redirect_uris":["http://localhost:3000/cb"]}`, oautherr.InvalidRedirectURI, "native"},
		{"http non-loopback for native", `{"application_type":"native","redirect_uris":["http://example.com/cb"]}`, oautherr.InvalidRedirectURI, "loopback"},
		{"custom scheme for web", `{"application_type":"web","redirect_uris":["com.example.app:/cb"]}`, oautherr.InvalidRedirectURI, "native"},
		{"non reverse-DNS scheme", `{"application_type":"native","redirect_uris":["myapp:/cb"]}`, oautherr.InvalidRedirectURI, "reverse domain"},
		{"userinfo", `{"redirect_uris":["https://user@a.example/cb"]}`, oautherr.InvalidRedirectURI, "user"},
		{"relative", `{"redirect_uris":["/cb"]}`, oautherr.InvalidRedirectURI, "absolute"},
		{"upper-case host", `{"redirect_uris":["https://A.example/cb"]}`, oautherr.InvalidRedirectURI, "lower case"},
		{"non-ASCII host", `{"redirect_uris":["https://exämple.com/cb"]}`, oautherr.InvalidRedirectURI, "punycode"},
		{"percent-encoded non-ASCII host", `{"redirect_uris":["https://ex%C3%A4mple.com/cb"]}`, oautherr.InvalidRedirectURI, "punycode"},
		{"IPv4-mapped loopback", `{"application_type":"native","redirect_uris":["http://[::ffff:127.0.0.1]/cb"]}`, oautherr.InvalidRedirectURI, "127.0.0.1"},
		{"IPv6 loopback spelled out", `{"application_type":"native","redirect_uris":["http://[0:0:0:0:0:0:0:1]/cb"]}`, oautherr.InvalidRedirectURI, "::1"},
		{"dot segment", `{"redirect_uris":["https://a.example/x/../cb"]}`, oautherr.InvalidRedirectURI, "segments"},
		{"port out of range", `{"redirect_uris":["https://a.example:99999/cb"]}`, oautherr.InvalidRedirectURI, "port"},
		{"port zero", `{"application_type":"native","redirect_uris":["http://127.0.0.1:0/cb"]}`, oautherr.InvalidRedirectURI, "port"},
		{"loopback port out of range", `{"application_type":"native","redirect_uris":["http://127.0.0.1:99999/cb"]}`, oautherr.InvalidRedirectURI, "port"},
		{"loopback port empty", `{"application_type":"native","redirect_uris":["http://127.0.0.1:/cb"]}`, oautherr.InvalidRedirectURI, "port"},
		{"port with leading zero", `{"redirect_uris":["https://a.example:0443/cb"]}`, oautherr.InvalidRedirectURI, "port"},
		{"empty port", `{"redirect_uris":["https://a.example:/cb"]}`, oautherr.InvalidRedirectURI, "port"},
		{"client_uri port out of range", `{"redirect_uris":["https://a.example/cb"],"client_uri":"https://a.example:70000/"}`, oautherr.InvalidClientMetadata, "port"},
		{"missing for code grant", `{"client_name":"x"}`, oautherr.InvalidRedirectURI, "required"},
		{"duplicate redirect", `{"redirect_uris":["https://a.example/cb","https://a.example/cb"]}`, oautherr.InvalidRedirectURI, "twice"},
		{"jwks and jwks_uri", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[]},"jwks_uri":"https://a.example/jwks"}`, oautherr.InvalidClientMetadata, "both"},
		{"private key in jwks", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"EC","d":"secret"}]}}`, oautherr.InvalidClientMetadata, "private"},
		{"symmetric key in jwks", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, oautherr.InvalidClientMetadata, "kty"},
		{"jwks not an object", `{"redirect_uris":["https://a.example/cb"],"jwks":"keys"}`, oautherr.InvalidClientMetadata, "JWK Set"},
		{"unsupported auth method", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, oautherr.InvalidClientMetadata, "token_endpoint_auth_method"},
		{"unsupported alg", `{"redirect_uris":["https://a.example/cb"],"id_token_signed_response_alg":"HS256"}`, oautherr.InvalidClientMetadata, "id_token_signed_response_alg"},
		{"alg none", `{"redirect_uris":["https://a.example/cb"],"id_token_signed_response_alg":"none"}`, oautherr.InvalidClientMetadata, "none"},
		{"code response without code grant", `{"grant_types":["client_credentials"],"response_types":["code"]}`, oautherr.InvalidClientMetadata, "authorization_code"},
		{"code grant without code response", `{"redirect_uris":["https://a.example/cb"],"response_types":[]}`, oautherr.InvalidClientMetadata, "response_types"},
		{"implicit not supported", `{"redirect_uris":["https://a.example/cb"],"response_types":["token"],"grant_types":["implicit"]}`, oautherr.InvalidClientMetadata, "grant_types"},
		{"public client credentials", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}`, oautherr.InvalidClientMetadata, "client_credentials"},
		{"scope outside allowed", `{"grant_types":["client_credentials"],"scope":"admin"}`, oautherr.InvalidClientMetadata, "admin"},
		{"scope double space", `{"grant_types":["client_credentials"],"scope":"read  dcr"}`, oautherr.InvalidClientMetadata, "scope"},
		{"wrong type string list", `{"redirect_uris":"https://a.example/cb"}`, oautherr.InvalidClientMetadata, "array of strings"},
		{"wrong type number for string", `{"redirect_uris":["https://a.example/cb"],"client_name":5}`, oautherr.InvalidClientMetadata, "must be a string"},
		{"wrong type bool", `{"redirect_uris":["https://a.example/cb"],"require_auth_time":"yes"}`, oautherr.InvalidClientMetadata, "boolean"},
		{"negative max age", `{"redirect_uris":["https://a.example/cb"],"default_max_age":-1}`, oautherr.InvalidClientMetadata, "default_max_age"},
		{"fractional max age", `{"redirect_uris":["https://a.example/cb"],"default_max_age":1.5}`, oautherr.InvalidClientMetadata, "integer"},
		{"sector identifier over http", `{"redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"http://a.example/s"}`, oautherr.InvalidClientMetadata, "sector_identifier_uri: \"http://a.example/s\" must use https"},
		{"http logo", `{"redirect_uris":["https://a.example/cb"],"logo_uri":"http://a.example/l.png"}`, oautherr.InvalidClientMetadata, "logo_uri"},
		{"control char in name", `{"redirect_uris":["https://a.example/cb"],"client_name":"a\nb"}`, oautherr.InvalidClientMetadata, "control"},
		{"name too long", `{"redirect_uris":["https://a.example/cb"],"client_name":"` + strings.Repeat("n", 201) + `"}`, oautherr.InvalidClientMetadata, "longer"},
		{"bad language tag", `{"redirect_uris":["https://a.example/cb"],"client_name#<script>":"x"}`, oautherr.InvalidClientMetadata, "language tag"},
		{"lifetime over maximum", `{"grant_types":["client_credentials"],"access_token_lifetime":601}`, oautherr.InvalidClientMetadata, "maximum"},
		{"code lifetime over a minute", `{"redirect_uris":["https://a.example/cb"],"authorization_code_lifetime":61}`, oautherr.InvalidClientMetadata, "authorization_code_lifetime: 61 exceeds the server's maximum of 60"},
		{"negative code lifetime", `{"redirect_uris":["https://a.example/cb"],"authorization_code_lifetime":-1}`, oautherr.InvalidClientMetadata, "authorization_code_lifetime"},
		{"idle lifetime over maximum", `{"redirect_uris":["https://a.example/cb"],"refresh_token_idle_lifetime":86401}`, oautherr.InvalidClientMetadata, "refresh_token_idle_lifetime: 86401 exceeds this workspace's maximum"},
		{"idle lifetime past the absolute one", `{"redirect_uris":["https://a.example/cb"],"refresh_token_lifetime":3600,"sliding_refresh_token_lifetime":3601}`, oautherr.InvalidClientMetadata, "refresh_token_idle_lifetime: 3601 exceeds the client's refresh_token_lifetime"},
		{"subject dn of another method", `{"grant_types":["client_credentials"],"tls_client_auth_subject_dn":"CN=x"}`, oautherr.InvalidClientMetadata, "only tls_client_auth clients"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := register(t, tc.body)
			var oe *oautherr.Error
			if !errors.As(err, &oe) {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if oe.Code != tc.code || !strings.Contains(oe.Description, tc.mention) {
				t.Fatalf("got %s %q; want %s mentioning %q", oe.Code, oe.Description, tc.code, tc.mention)
			}
		})
	}
}

// TestValidateInfersNative: with application_type omitted and only
// loopback http or private-use redirect URIs, as MCP clients register,
// the server chooses native (RFC 7591 §3.2.1 lets it, since the value is
// returned); anything else keeps the web default, and an explicit web is
// never overridden.
func TestValidateInfersNative(t *testing.T) {
	cases := []struct {
		name, body, appType string
	}{
		{"MCP loopback IP", `{"redirect_uris":["http://127.0.0.1:6274/oauth/callback"],"token_endpoint_auth_method":"none"}`, "native"},
		{"MCP localhost", `{"redirect_uris":["http://localhost:6274/oauth/callback"],"token_endpoint_auth_method":"none"}`, "native"},
		{"IPv6 loopback and private-use", `{"redirect_uris":["http://[::1]/cb","com.example.app:/cb"]}`, "native"},
		{"https only", `{"redirect_uris":["https://a.example/cb"]}`, "web"},
		{"no redirect URIs", `{"grant_types":["client_credentials"]}`, "web"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, err := register(t, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if md.ApplicationType != tc.appType {
				t.Fatalf("application_type %q, want %q", md.ApplicationType, tc.appType)
			}
		})
	}
	for name, body := range map[string]string{
		"explicit web":      `{"application_type":"web","redirect_uris":["http://127.0.0.1:6274/oauth/callback"]}`,
		"mixed with https":  `{"redirect_uris":["http://127.0.0.1/cb","https://a.example/cb"]}`,
		"non-loopback http": `{"redirect_uris":["http://a.example/cb"]}`,
	} {
		_, err := register(t, body)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRedirectURI {
			t.Errorf("%s: err = %v, want invalid_redirect_uri", name, err)
		}
	}
}

// TestDefaultAuthMethodFollowsWorkspace: the RFC 7591 default
// client_secret_basic gives way to client_secret_post where the workspace
// allows only that, instead of refusing a request that never named one.
func TestDefaultAuthMethodFollowsWorkspace(t *testing.T) {
	body := `{"grant_types":["client_credentials"]}`
	for _, tc := range []struct {
		allowed []string
		want    string
	}{
		{[]string{AuthClientSecretBasic, AuthClientSecretPost}, AuthClientSecretBasic},
		{[]string{AuthClientSecretPost, AuthNone}, AuthClientSecretPost},
	} {
		p := testPolicy
		p.AuthMethods = tc.allowed
		md, err := registerWith(t, p, body)
		if err != nil || md.TokenEndpointAuthMethod != tc.want {
			t.Errorf("allowed %v: method %q, err %v; want %q", tc.allowed, md.TokenEndpointAuthMethod, err, tc.want)
		}
	}
	p := testPolicy
	p.AuthMethods = []string{AuthNone}
	if _, err := registerWith(t, p, body); err == nil || !strings.Contains(err.Error(), "token_endpoint_auth_method") {
		t.Errorf("only none allowed: %v; want the allow-list named", err)
	}
	// No secret method allowed: a client with keys gets private_key_jwt.
	p.AuthMethods = []string{AuthTLSClientAuth, AuthPrivateKeyJWT}
	p.AssertionAlgs = []string{"PS256"}
	md, err := registerWith(t, p, `{"grant_types":["client_credentials"],"jwks_uri":"https://app.example/jwks"}`)
	if err != nil || md.TokenEndpointAuthMethod != AuthPrivateKeyJWT {
		t.Errorf("tls_client_auth and private_key_jwt allowed, keys sent: method %q, err %v; want private_key_jwt", md.TokenEndpointAuthMethod, err)
	}
}

// TestOpenBankingDNSpelling: tls_client_auth_dn (Open Banking UK DCR
// v3.2) is read as tls_client_auth_subject_dn; both, differing, are
// refused.
func TestOpenBankingDNSpelling(t *testing.T) {
	decode := func(body string) (Metadata, error) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &obj); err != nil {
			t.Fatal(err)
		}
		return DecodeMetadata(obj)
	}
	md, err := decode(`{"tls_client_auth_dn":"CN=tpp,O=Bank"}`)
	if err != nil || md.TLSClientAuthSubjectDN != "CN=tpp,O=Bank" {
		t.Errorf("tls_client_auth_dn: %q, %v", md.TLSClientAuthSubjectDN, err)
	}
	if md, err = decode(`{"tls_client_auth_dn":"CN=tpp","tls_client_auth_subject_dn":"CN=tpp"}`); err != nil || md.TLSClientAuthSubjectDN != "CN=tpp" {
		t.Errorf("both spellings, one value: %q, %v", md.TLSClientAuthSubjectDN, err)
	}
	if _, err = decode(`{"tls_client_auth_dn":"CN=tpp","tls_client_auth_subject_dn":"CN=other"}`); err == nil || !strings.Contains(err.Error(), "two spellings") {
		t.Errorf("both spellings, two values: %v", err)
	}
}

// TestLanguageTagsAreCaseInsensitive: two spellings of one tag are one
// member sent twice (BCP 47), refused like a duplicate JSON key.
func TestLanguageTagsAreCaseInsensitive(t *testing.T) {
	_, err := register(t, `{"grant_types":["client_credentials"],"client_name#fr":"Appli","client_name#FR":"Autre"}`)
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClientMetadata || !strings.Contains(err.Error(), "case-insensitive") {
		t.Fatalf("err = %v; want invalid_client_metadata about case", err)
	}
	md, err := register(t, `{"grant_types":["client_credentials"],"client_name#fr":"Appli","client_name#de-CH":"App"}`)
	if err != nil || md.Localized["client_name#fr"] != "Appli" || md.Localized["client_name#de-CH"] != "App" {
		t.Fatalf("distinct tags: %v %v", md.Localized, err)
	}
}

// TestDisplayAndURIStringsAreClean: names shown on the consent page carry
// no invisible formatting, and URLs carry only characters a URI can hold.
func TestDisplayAndURIStringsAreClean(t *testing.T) {
	for name, body := range map[string]string{
		"bidi override in client_name":   `{"redirect_uris":["https://a.example/cb"],"client_name":"a\u202eb"}`,
		"bidi override in a tagged name": `{"redirect_uris":["https://a.example/cb"],"client_name#fr":"x\u2066y"}`,
		"space in policy_uri":            `{"redirect_uris":["https://a.example/cb"],"policy_uri":"https://a.example/p q"}`,
		"angle brackets in tos_uri":      `{"redirect_uris":["https://a.example/cb"],"tos_uri":"https://a.example/<x>"}`,
		"quote in logo_uri":              `{"redirect_uris":["https://a.example/cb"],"logo_uri":"https://a.example/l.png\" onerror=\"x"}`,
		"non-ASCII in client_uri":        `{"redirect_uris":["https://a.example/cb"],"client_uri":"https://a.example/café"}`,
	} {
		if _, err := register(t, body); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			wantCode(t, err, "invalid_client_metadata")
		}
	}
	if _, err := register(t, `{"redirect_uris":["https://a.example/cb"],"client_name":"Café ☕","policy_uri":"https://a.example/p%20q?x=1&y=%22"}`); err != nil {
		t.Fatalf("a clean name and a percent-encoded URI were refused: %v", err)
	}
}

// TestEmptyEnumeratedValuesRejected: a member whose value is one of a
// defined set (an auth method, an application or subject type, an
// algorithm or encoding) and is sent as "" names none of them. RFC 7591 §2
// and OIDC Registration §2 give the default only when the member is
// omitted, so "" is refused with the member named rather than quietly read
// as the default; null still means absent.
func TestEmptyEnumeratedValuesRejected(t *testing.T) {
	base := `{"redirect_uris":["https://a.example/cb"],`
	for _, name := range []string{
		"token_endpoint_auth_method", "application_type", "subject_type",
		"id_token_signed_response_alg", "id_token_encrypted_response_alg", "id_token_encrypted_response_enc",
		"userinfo_signed_response_alg", "userinfo_encrypted_response_alg", "userinfo_encrypted_response_enc",
		"request_object_signing_alg", "request_object_encryption_alg", "request_object_encryption_enc",
		"token_endpoint_auth_signing_alg",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := register(t, base+`"`+name+`":""}`)
			wantCode(t, err, oautherr.InvalidClientMetadata, name+":", "empty")
			if _, err := register(t, base+`"`+name+`":null}`); err != nil {
				t.Fatalf("%s null (absent): %v", name, err)
			}
		})
	}
	t.Run("grant_types []", func(t *testing.T) {
		_, err := register(t, base+`"grant_types":[]}`)
		wantCode(t, err, oautherr.InvalidClientMetadata, "grant_types:", "at least one")
		if _, err := register(t, base+`"grant_types":null}`); err != nil {
			t.Fatalf("grant_types null (absent): %v", err)
		}
	})
	// The list members already refuse an empty value as unsupported.
	for _, name := range []string{"grant_types", "response_types"} {
		t.Run(name, func(t *testing.T) {
			_, err := register(t, base+`"`+name+`":[""]}`)
			wantCode(t, err, oautherr.InvalidClientMetadata, name+":")
		})
	}
}

// TestJWTAuthMetadata: a private_key_jwt client registers its keys, and
// token_endpoint_auth_signing_alg fits its method and the workspace.
func TestJWTAuthMetadata(t *testing.T) {
	p := testPolicy
	p.AuthMethods = []string{AuthClientSecretBasic, AuthPrivateKeyJWT, AuthClientSecretJWT}
	p.AssertionAlgs = []string{"PS256", "ES256"}
	const keys = `"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	cc := `"grant_types":["client_credentials"],`
	for _, tc := range []struct {
		name, body string
		mention    []string // nil accepts
	}{
		{"private_key_jwt with jwks", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt",` + keys + `}`, nil},
		{"private_key_jwt with jwks_uri", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://keys.example.com/jwks"}`, nil},
		{"private_key_jwt with its alg", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256",` + keys + `}`, nil},
		{"client_secret_jwt", `{` + cc + `"token_endpoint_auth_method":"client_secret_jwt"}`, nil},
		{"client_secret_jwt with HS512", `{` + cc + `"token_endpoint_auth_method":"client_secret_jwt","token_endpoint_auth_signing_alg":"HS512"}`, nil},

		{"private_key_jwt without keys", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt"}`, []string{"private_key_jwt", "jwks"}},
		{"private_key_jwt with HS256", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"HS256",` + keys + `}`, []string{"token_endpoint_auth_signing_alg", "HS256"}},
		{"private_key_jwt with an alg the workspace does not allow", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"RS256",` + keys + `}`, []string{"RS256", "PS256, ES256"}},
		{"private_key_jwt with none", `{` + cc + `"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"none",` + keys + `}`, []string{"none"}},
		{"client_secret_jwt with ES256", `{` + cc + `"token_endpoint_auth_method":"client_secret_jwt","token_endpoint_auth_signing_alg":"ES256"}`, []string{"ES256", "HS256"}},
		{"an alg for a secret method", `{` + cc + `"token_endpoint_auth_method":"client_secret_basic","token_endpoint_auth_signing_alg":"ES256"}`, []string{"only private_key_jwt and client_secret_jwt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := registerWith(t, p, tc.body)
			if tc.mention == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, oautherr.InvalidClientMetadata, tc.mention...)
		})
	}
}

// request_object_signing_alg (OIDC Registration §2): an asymmetric alg
// the workspace accepts, with the client's keys to verify it; none only
// where the workspace admits unsigned request objects; encryption is not
// offered. require_pushed_authorization_requests (RFC 9126 §6) is kept.
func TestRequestObjectMetadata(t *testing.T) {
	p := testPolicy
	p.AssertionAlgs = []string{"PS256", "ES256"}
	unsignedOK := p
	unsignedOK.AllowUnsignedRequestObjects = true
	const keys = `"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	const redirect = `"redirect_uris":["https://app.example/cb"],`
	for _, tc := range []struct {
		name    string
		policy  Policy
		body    string
		mention []string // nil accepts
	}{
		{"ES256 with jwks", p, `{` + redirect + `"request_object_signing_alg":"ES256",` + keys + `}`, nil},
		{"PS256 with jwks_uri", p, `{` + redirect + `"request_object_signing_alg":"PS256","jwks_uri":"https://keys.example.com/jwks"}`, nil},
		{"none where allowed", unsignedOK, `{` + redirect + `"request_object_signing_alg":"none"}`, nil},

		{"none", p, `{` + redirect + `"request_object_signing_alg":"none"}`, []string{"request_object_signing_alg", "none"}},
		{"an alg the workspace does not allow", p, `{` + redirect + `"request_object_signing_alg":"RS256",` + keys + `}`, []string{"RS256", "PS256, ES256"}},
		{"HMAC", p, `{` + redirect + `"request_object_signing_alg":"HS256",` + keys + `}`, []string{"HS256"}},
		{"no keys", p, `{` + redirect + `"request_object_signing_alg":"ES256"}`, []string{"jwks"}},
		{"encryption", p, `{` + redirect + `"request_object_encryption_alg":"RSA-OAEP"}`, []string{"request_object_encryption_alg"}},
		{"request_uris", p, `{` + redirect + `"request_uris":["https://app.example/req"]}`, []string{"request_uris"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := registerWith(t, tc.policy, tc.body)
			if tc.mention == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, oautherr.InvalidClientMetadata, tc.mention...)
		})
	}
	md, err := registerWith(t, p, `{`+redirect+`"require_pushed_authorization_requests":true}`)
	if err != nil || !md.RequirePushedAuthorizationRequests || View(Client{Metadata: md})["require_pushed_authorization_requests"] != true {
		t.Fatalf("require_pushed_authorization_requests: %v %+v", err, md)
	}
	if _, err := registerWith(t, p, `{`+redirect+`"require_pushed_authorization_requests":"yes"}`); err == nil {
		t.Fatal("require_pushed_authorization_requests as a string was accepted")
	}
}

// TestMobileApplicationType: Open Banking UK's application_type mobile is
// admitted only where the policy says, and held to web's redirect rules.
func TestMobileApplicationType(t *testing.T) {
	const mobile = `{"application_type":"mobile","redirect_uris":["https://tpp.example/cb"]}`
	if _, err := register(t, mobile); err == nil || !strings.Contains(err.Error(), "application_type") {
		t.Fatalf("mobile under the default policy: %v; want refused", err)
	}
	ob := testPolicy
	ob.MobileApplicationType = true
	if md, err := registerWith(t, ob, mobile); err != nil || md.ApplicationType != ApplicationTypeMobile {
		t.Fatalf("mobile under Open Banking UK: %+v, %v", md, err)
	}
	if _, err := registerWith(t, ob, `{"application_type":"mobile","redirect_uris":["com.tpp.app:/cb"]}`); err == nil {
		t.Fatal("a mobile client with a private-use scheme was accepted: mobile follows web's rules")
	}
	if _, err := registerWith(t, ob, `{"application_type":"tablet","redirect_uris":["https://tpp.example/cb"]}`); err == nil {
		t.Fatal("application_type tablet accepted")
	}
}

// TestNoDefaultAuthMethodAllowed: where no default method is allowed and
// the request names none, the answer asks for one rather than refusing
// client_secret_basic, which the request never named.
func TestNoDefaultAuthMethodAllowed(t *testing.T) {
	p := testPolicy
	p.AuthMethods = []string{AuthPrivateKeyJWT, AuthTLSClientAuth}
	_, err := registerWith(t, p, `{"redirect_uris":["https://app.example.com/cb"]}`)
	if err == nil || !strings.Contains(err.Error(), "token_endpoint_auth_method: required here") {
		t.Fatalf("err = %v; want token_endpoint_auth_method asked for", err)
	}
}

// TestProblemsListsEveryCheck: a dry run learns of every check that
// refuses, where Validate stops at the first.
func TestProblemsListsEveryCheck(t *testing.T) {
	md := Metadata{RedirectURIs: []string{"https://app.example/cb"}, LogoURI: "ftp://logo.example/x.png", Scope: "openid admin", AccessTokenLifetime: 100000}
	_, errs := Problems(md, testPolicy)
	var got []string
	for _, err := range errs {
		name, _, _ := strings.Cut(err.(*oautherr.Error).Description, ":")
		got = append(got, name)
	}
	if strings.Join(got, ",") != "logo_uri,scope,access_token_lifetime" {
		t.Fatalf("problems: %v", errs)
	}
	if _, err := Validate(md, testPolicy); err == nil || err.Error() != errs[0].Error() {
		t.Fatalf("Validate: %v, want the first problem", err)
	}
}

// TestDuendeLifetimeNames: Duende IdentityServer's four lifetime members
// are read as ours, and the metadata names them ours.
func TestDuendeLifetimeNames(t *testing.T) {
	md, err := register(t, `{"redirect_uris":["https://a.example/cb"],"identity_token_lifetime":120,"absolute_refresh_token_lifetime":3600,
		"sliding_refresh_token_lifetime":600,"authorization_code_lifetime":30}`)
	if err != nil {
		t.Fatal(err)
	}
	if md.IDTokenLifetime != 120 || md.RefreshTokenLifetime != 3600 || md.RefreshTokenIdleLifetime != 600 || md.AuthorizationCodeLifetime != 30 {
		t.Fatalf("lifetimes %+v: want Duende's four read as ours", md)
	}
	raw, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"refresh_token_idle_lifetime", "authorization_code_lifetime"} {
		if !strings.Contains(string(raw), `"`+name+`"`) {
			t.Errorf("%s missing from %s", name, raw)
		}
	}
	if strings.Contains(string(raw), "sliding_refresh_token_lifetime") {
		t.Errorf("Duende's name kept: %s", raw)
	}
	_, err = register(t, `{"redirect_uris":["https://a.example/cb"],"sliding_refresh_token_lifetime":60,"refresh_token_idle_lifetime":120}`)
	wantCode(t, err, oautherr.InvalidClientMetadata, "two spellings")
}
