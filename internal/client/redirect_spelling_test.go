package client_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// TestRedirectSecondSpellingsRefused: a redirect URI a browser reads as
// another URI than the one written is refused at registration with
// invalid_redirect_uri, each spelling with a description saying what to
// change; its near neighbours with one spelling are accepted.
func TestRedirectSecondSpellingsRefused(t *testing.T) {
	cases := []struct {
		name, appType, uri, mention string // mention "" is accepted
	}{
		{"encoded dot-dot", "web", "https://app.example.com/a/%2e%2e/evil", "segments"},
		{"encoded dot-dot upper case", "web", "https://app.example.com/a/%2E%2E/evil", "segments"},
		{"half-encoded dot-dot", "web", "https://app.example.com/a/%2e./evil", "segments"},
		{"other half encoded", "web", "https://app.example.com/a/.%2E/evil", "segments"},
		{"encoded dot", "web", "https://app.example.com/a/%2e/cb", "segments"},
		{"encoded dot-dot at the end", "web", "https://app.example.com/cb/%2e%2e", "segments"},
		{"encoded dot-dot on loopback", "native", "http://127.0.0.1:8080/a/%2e%2e/evil", "segments"},
		{"encoded dot-dot in a private-use scheme", "native", "com.example.app:/a/%2e%2e/evil", "segments"},
		{"backslash dot-dot", "web", `https://good.com/cb\..\x`, "backslash"},
		{"backslash in the path", "web", `https://good.com/cb\x`, "backslash"},
		{"backslash after the host", "web", `https://good.com\@evil.example/cb`, "backslash"},
		{"backslash in the query", "web", `https://good.com/cb?x=\`, "backslash"},
		{"backslash in a private-use scheme", "native", `com.example.app:/cb\x`, "backslash"},
		{"default https port", "web", "https://app.example.com:443/cb", "default port"},
		{"default http port on loopback", "native", "http://127.0.0.1:80/cb", "default port"},
		{"trailing-dot host", "web", "https://app.example.com./cb", "dot"},
		{"trailing-dot host with a port", "web", "https://app.example.com.:8443/cb", "dot"},
		{"trailing-dot localhost", "native", "http://localhost./cb", "dot"},
		{"IPv6 zone id", "web", "https://[fe80::1%25eth0]/cb", "zone"},
		{"IPv6 loopback zone id", "native", "http://[::1%25lo]:8080/cb", "zone"},
		{"short IPv4", "web", "https://127.1/cb", "IPv4"},
		{"hex IPv4", "web", "https://0x7f.0.0.1/cb", "IPv4"},
		{"one-number IPv4", "web", "https://2130706433/cb", "IPv4"},
		{"IPv4 with leading zeros", "web", "https://010.0.0.1/cb", "IPv4"},
		{"host ending in a number", "web", "https://app.example.1/cb", "IPv4"},
		{"non-ASCII path", "web", "https://app.example.com/caf\u00e9", "normal form"},

		{"another port", "web", "https://app.example.com:8443/cb", ""},
		{"https port on http", "native", "http://127.0.0.1:443/cb", ""},
		{"dots inside a segment", "web", "https://app.example.com/a/..b/.c/d..", ""},
		{"an encoded dot inside a segment", "web", "https://app.example.com/a/%2e%2ex", ""},
		{"IPv4 in dotted decimal", "web", "https://192.0.2.1/cb", ""},
		{"IPv6 without a zone", "native", "http://[::1]:8080/cb", ""},
		{"encoded slash", "web", "https://app.example.com/a%2Fb", ""},
		{"query with a dot-dot", "web", "https://app.example.com/cb?next=/../x", ""},
		{"private-use scheme", "native", "com.example.app:/oauth2redirect", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			uris, _ := json.Marshal([]string{tc.uri})
			md, err := register(t, `{"application_type":"`+tc.appType+`","redirect_uris":`+string(uris)+`}`)
			if tc.mention == "" {
				if err != nil {
					t.Fatalf("refused %s: %v", tc.uri, err)
				}
				if md.RedirectURIs[0] != tc.uri {
					t.Fatalf("stored %q; want %q as sent", md.RedirectURIs[0], tc.uri)
				}
				return
			}
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRedirectURI || !strings.Contains(oe.Description, tc.mention) {
				t.Fatalf("%s: %v; want invalid_redirect_uri mentioning %q", tc.uri, err, tc.mention)
			}
			if err := client.CheckRedirectSpelling(tc.uri); err == nil && tc.mention != "normal form" {
				t.Errorf("client.CheckRedirectSpelling(%s) = nil; the authorization endpoint would send codes there", tc.uri)
			}
		})
	}
}
