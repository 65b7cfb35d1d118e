package httpapi

import (
	"net/http/httptest"
	"testing"
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
			token, present := BearerToken(r)
			if token != tc.token || present != tc.present {
				t.Fatalf("BearerToken(%q) = %q, %v; want %q, %v", tc.header, token, present, tc.token, tc.present)
			}
		})
	}
}
