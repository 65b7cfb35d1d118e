package client

import (
	"strings"
	"testing"
)

func FuzzCheckRedirectURI(f *testing.F) {
	p := Policy{}
	for _, s := range []string{"https://a.example/cb", "http://127.0.0.1:1/x", "com.example.app:/cb", "javascript:x", "https://a.example/#", "%zz"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, native bool) {
		appType := ApplicationTypeWeb
		if native {
			appType = ApplicationTypeNative
		}
		if checkRedirectURI(raw, appType, p) == nil && strings.Contains(raw, "#") {
			t.Fatalf("accepted %q with a fragment", raw)
		}
	})
}

// An operator's client follows the same host rules: one spelling per host,
// and http only to a loopback host RFC 8252 §7.3 names.
func TestCheckOperatorRedirect(t *testing.T) {
	cases := []struct {
		raw string
		ok  bool
	}{
		{"http://127.0.0.1:8080/cb", true},
		{"http://[::1]/cb", true},
		{"http://localhost/cb", true},
		{"https://xn--exmple-cua.com/cb", true},
		{"https://exämple.com/cb", false},
		{"https://EXAMPLE.com/cb", false},
		{"http://[::ffff:127.0.0.1]/cb", false},
		{"http://[::ffff:7f00:1]:8080/cb", false},
		{"http://[0:0:0:0:0:0:0:1]/cb", false},
		{"https://[2001:DB8::1]/cb", false},
		{"https://[::ffff:192.0.2.1]/cb", false},
		{"http://127.0.0.1:99999/cb", false},
		{"https://a.example/cb#fragment", false},
		{"http://[::1%25lo]:8080/cb", false},
	}
	for _, tc := range cases {
		if err := CheckOperatorRedirect(tc.raw); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v; want accepted %v", tc.raw, err, tc.ok)
		}
	}
}
