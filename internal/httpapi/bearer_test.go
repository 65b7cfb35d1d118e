package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// TestBearerToken: RFC 6750 §2.1 credentials; the scheme is
// case-insensitive and separated from the token by one or more spaces
// (RFC 7235 §2.1). A header that is there but holds no usable bearer token
// is present with an empty token, which callers refuse as malformed rather
// than read as "no token sent".
func TestBearerToken(t *testing.T) {
	cases := []struct {
		name, header string
		sent         bool
		token        string
		present      bool
	}{
		{"missing", "", false, "", false},
		{"bearer", "Bearer abc.DEF-_~+/=", true, "abc.DEF-_~+/=", true},
		{"lower-case scheme", "bearer abc", true, "abc", true},
		{"upper-case scheme", "BEARER abc", true, "abc", true},
		{"several spaces before the token", "Bearer   abc", true, "abc", true},
		{"trailing spaces", "Bearer abc  ", true, "abc", true},
		{"empty header", "", true, "", false},
		{"other scheme", "Basic YTpi", true, "", true},
		{"scheme only", "Bearer", true, "", true},
		{"empty token", "Bearer ", true, "", true},
		{"spaces only", "Bearer    ", true, "", true},
		{"no separator", "Bearerabc", true, "", true},
		{"tab separator", "Bearer\tabc", true, "", true},
		{"space inside the token", "Bearer abc def", true, "", true},
		{"leading space", " Bearer abc", true, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.sent {
				r.Header["Authorization"] = []string{tc.header}
			}
			token, present, err := BearerToken(r)
			if token != tc.token || present != tc.present || err != nil {
				t.Fatalf("BearerToken(%q) = %q, %v, %v; want %q, %v", tc.header, token, present, err, tc.token, tc.present)
			}
		})
	}
}

// TestAuthorizationOnce: a request carries one credential (RFC 9110
// §11.6.2). Two Authorization headers are 400 invalid_request (RFC 6750
// §3.1) whichever comes first, never "the first wins".
func TestAuthorizationOnce(t *testing.T) {
	for name, headers := range map[string][]string{
		"good then bad": {"Bearer good", "Bearer bad"},
		"bad then good": {"Bearer bad", "Bearer good"},
		"same twice":    {"Bearer good", "Bearer good"},
		"with an empty": {"Bearer good", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = headers
		_, err := Authorization(r)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequest || oe.Status != http.StatusBadRequest {
			t.Errorf("%s: Authorization err = %v; want 400 invalid_request", name, err)
		}
		if token, present, err := BearerToken(r); token != "" || !present || err == nil {
			t.Errorf("%s: BearerToken = %q, %v, %v; want an error, present", name, token, present, err)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer one")
	if got, err := Authorization(r); got != "Bearer one" || err != nil {
		t.Errorf("one header: %q, %v", got, err)
	}
}
