package client_test

import (
	"slices"
	"testing"

	. "github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

var mtlsPolicy = func() Policy {
	p := testPolicy
	p.AuthMethods = slices.Concat(p.AuthMethods, []string{AuthTLSClientAuth, AuthSelfSignedTLSClientAuth})
	return p
}()

const jwksES256 = `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`

func TestTLSClientAuthMetadata(t *testing.T) {
	ok := []string{
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_subject_dn":"CN=tpp, O=Bank, C=GB","tls_client_certificate_bound_access_tokens":true}`,
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_dns":"tpp.example"}`,
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_uri":"spiffe://bank/tpp"}`,
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_ip":"2001:db8::1"}`,
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_email":"ops@tpp.example"}`,
		`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"self_signed_tls_client_auth","jwks":` + jwksES256 + `}`,
	}
	for _, body := range ok {
		if _, err := registerWith(t, mtlsPolicy, body); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	bad := []struct{ body, mention string }{
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth"}`, "exactly one"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_dns":"a.example","tls_client_auth_san_ip":"10.0.0.1"}`, "exactly one"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_subject_dn":"CN"}`, "distinguished name"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_ip":"10.0.0"}`, "tls_client_auth_san_ip"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_uri":"tpp"}`, "tls_client_auth_san_uri"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_email":"tpp"}`, "tls_client_auth_san_email"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"self_signed_tls_client_auth"}`, "jwks"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"self_signed_tls_client_auth","jwks":` + jwksES256 + `,"tls_client_auth_san_dns":"a.example"}`, "only tls_client_auth"},
	}
	for _, tc := range bad {
		_, err := registerWith(t, mtlsPolicy, tc.body)
		wantCode(t, err, oautherr.InvalidClientMetadata, tc.mention)
	}
	// A workspace that does not list the methods refuses them.
	_, err := register(t, ok[0])
	wantCode(t, err, oautherr.InvalidClientMetadata, "tls_client_auth")
}
