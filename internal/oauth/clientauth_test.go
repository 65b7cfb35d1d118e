package oauth

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func TestCredentialsFromRequest(t *testing.T) {
	cases := []struct {
		name       string
		header     string
		form       httpapi.Form
		want       Credentials
		wantCode   string
		wantHeader bool
	}{
		{"basic", basic("app", "s3cret"), nil, Credentials{"app", "s3cret", client.AuthClientSecretBasic}, "", false},
		// RFC 6749 §2.3.1: values are form-encoded before base64.
		{"basic form-encoded", basic("a b:c", "p%s+q"), nil, Credentials{"a b:c", "p%s+q", client.AuthClientSecretBasic}, "", false},
		{"basic with matching body client_id", basic("app", "x"), httpapi.Form{"client_id": {"app"}}, Credentials{"app", "x", client.AuthClientSecretBasic}, "", false},
		{"post", "", httpapi.Form{"client_id": {"app"}, "client_secret": {"x"}}, Credentials{"app", "x", client.AuthClientSecretPost}, "", false},
		{"public", "", httpapi.Form{"client_id": {"app"}}, Credentials{"app", "", client.AuthNone}, "", false},
		{"nothing", "", nil, Credentials{}, oautherr.InvalidClient, true},
		{"two methods", basic("app", "x"), httpapi.Form{"client_secret": {"x"}}, Credentials{}, oautherr.InvalidRequest, false},
		{"different client ids", basic("app", "x"), httpapi.Form{"client_id": {"other"}}, Credentials{}, oautherr.InvalidClient, true},
		{"bearer scheme", "Bearer abc", nil, Credentials{}, oautherr.InvalidClient, true},
		{"not base64", "Basic !!!", nil, Credentials{}, oautherr.InvalidClient, true},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("app")), nil, Credentials{}, oautherr.InvalidClient, true},
		{"bad escape", "Basic " + base64.StdEncoding.EncodeToString([]byte("a%zz:b")), nil, Credentials{}, oautherr.InvalidClient, true},
		{"assertion unsupported", "", httpapi.Form{"client_assertion": {"x"}, "client_assertion_type": {"y"}}, Credentials{}, oautherr.InvalidClient, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			got, err := CredentialsFromRequest(r, tc.form)
			if tc.wantCode != "" {
				var oe *oautherr.Error
				if !errors.As(err, &oe) || oe.Code != tc.wantCode {
					t.Fatalf("err = %v, want %s", err, tc.wantCode)
				}
				if tc.wantHeader && oe.Challenge == "" {
					t.Errorf("401 without a WWW-Authenticate challenge")
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// Two Authorization headers are refused whichever comes first: neither
// may pass for the request's one credential (RFC 9110 §11.6.2).
func TestCredentialsRefuseTwoAuthorizationHeaders(t *testing.T) {
	good, bad := basic("app", "s3cret"), basic("app", "wrong")
	for _, headers := range [][]string{{good, bad}, {bad, good}} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header["Authorization"] = headers
		_, err := CredentialsFromRequest(r, nil)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequest {
			t.Errorf("%v: err = %v; want invalid_request", headers, err)
		}
	}
}

func FuzzParseBasic(f *testing.F) {
	for _, s := range []string{basic("a", "b"), "Basic ", "Basic Og==", "basic YTpi", "Basic %%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		id, _, err := parseBasic(header)
		if err == nil && id == "" {
			t.Fatalf("accepted an empty client id from %q", header)
		}
	})
}

func TestGrantedScope(t *testing.T) {
	known := []string{"dcr", "openid", "read", "write"}
	cases := []struct {
		name, requested, registered, want string
		wantErr                           bool
	}{
		{"absent means registered", "", "read write", "read write", false},
		{"subset", "read", "read write", "read", false},
		{"duplicates collapse", "read read", "read", "read", false},
		{"outside client scope", "write", "read", "", true},
		{"registered but unknown to workspace", "legacy", "legacy", "", true},
		{"double space is malformed", "read  write", "read write", "", true},
		{"quote is not NQCHAR", `re"ad`, `re"ad`, "", true},
		{"registered scopes unknown to the workspace are dropped", "", "read legacy", "read", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := grantedScope(tc.requested, tc.registered, known)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v; want %q, err=%v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestUserInfoTokenRefusesMalformedHeader: an Authorization header that
// holds no bearer token, an empty one included, is refused as
// invalid_token; it is not read as "no header", which would let a token
// in the body through as if it were the only one sent.
func TestUserInfoTokenRefusesMalformedHeader(t *testing.T) {
	for _, header := range []string{"Basic YTpi", "Bearer", "Bearer ", "Bearer   "} {
		r := httptest.NewRequest("POST", "/default/oauth2/userinfo", strings.NewReader("access_token=abc"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header["Authorization"] = []string{header}
		tok, err := userInfoToken(httptest.NewRecorder(), r)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Code != oautherr.InvalidToken {
			t.Errorf("Authorization %q: token %q, err %v; want invalid_token", header, tok, err)
		}
	}
}
