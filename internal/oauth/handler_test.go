package oauth

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/httpapi"
)

// Every token request parameter reaches the service under its RFC name.
func TestDecodeTokenRequest(t *testing.T) {
	form := httpapi.Form{
		"grant_type": {"authorization_code"}, "scope": {"openid read"}, "code": {"c"},
		"redirect_uri": {"https://app.example/cb"}, "code_verifier": {"v"}, "refresh_token": {"r"},
		"resource":  {"https://api.example", "https://other.example"},
		"client_id": {"app"}, "client_secret": {"s3cret"},
	}
	want := TokenRequest{
		GrantType: "authorization_code", Scope: "openid read", Code: "c",
		RedirectURI: "https://app.example/cb", CodeVerifier: "v", RefreshToken: "r",
		Resources: []string{"https://api.example", "https://other.example"},
	}
	if diff := cmp.Diff(want, decodeTokenRequest(form), cmp.AllowUnexported(TokenRequest{})); diff != "" {
		t.Errorf("token request (-want +got):\n%s", diff)
	}
	got := decodeTokenReference(httpapi.Form{"token": {"t"}, "token_type_hint": {"refresh_token"}})
	if want := (IntrospectionRequest{Token: "t", TokenTypeHint: "refresh_token"}); got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
}
