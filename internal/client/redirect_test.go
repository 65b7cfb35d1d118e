package client

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzCheckRedirectURI: whatever is accepted has one spelling: url.Parse
// and String give it back unchanged, and the authorization endpoint's
// check (CheckRedirectSpelling) agrees. Seeds are in testdata/fuzz.
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
		if checkRedirectURI(raw, appType, p) != nil {
			return
		}
		if strings.ContainsAny(raw, `#\`) {
			t.Fatalf("accepted %q with a fragment or a backslash", raw)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, err)
		}
		if again := u.String(); again != raw {
			t.Fatalf("accepted %q, which reads back as %q", raw, again)
		}
		if err := CheckRedirectSpelling(raw); err != nil {
			t.Fatalf("accepted %q, which the authorization endpoint refuses: %v", raw, err)
		}
	})
}
