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
