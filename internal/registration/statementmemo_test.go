package registration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestRememberedStatementCheckedOnEveryUse: a statement verified once is
// remembered, and accepted again only as a new one would be: not past its
// exp or max_age, not once its issuer is no longer trusted, nor trusted
// with its alg, nor once the issuer's keys no longer hold the key that
// signed it under its kid (inline or fetched).
func TestRememberedStatementCheckedOnEveryUse(t *testing.T) {
	key, rotated := newTestKey(t, "dir-1"), newTestKey(t, "dir-1")
	const url = "https://directory.example/jwks"
	fromURL := func(f *fixture, doc []byte) {
		f.ws.Settings.Registration.SoftwareStatement.Issuers[0].JWKS = nil
		f.ws.Settings.Registration.SoftwareStatement.Issuers[0].JWKSURI = url
		f.svc.Fetcher = &fakeFetcher{docs: map[string][]byte{url: doc}}
	}
	cases := []struct {
		name   string
		change func(f *fixture)
		code   string
		says   string
	}{
		{"past its exp", func(f *fixture) { f.now = f.now.Add(2 * time.Hour) }, oautherr.InvalidSoftwareStatement, "expired"},
		{"past max_age as now set", func(f *fixture) {
			f.now = f.now.Add(30 * time.Minute)
			f.ws.Settings.Registration.SoftwareStatement.MaxAge = workspace.Seconds(60)
		}, oautherr.InvalidSoftwareStatement, "too old"},
		{"issuer removed from the settings", func(f *fixture) {
			f.ws.Settings.Registration.SoftwareStatement.Issuers[0].Issuer = "Another Directory"
		}, oautherr.UnapprovedSoftwareStatement, "not trusted"},
		{"issuer no longer trusted with its alg", func(f *fixture) {
			f.ws.Settings.Registration.SoftwareStatement.Issuers[0].Algs = []string{"ES384"}
		}, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"the kid now names another key", func(f *fixture) {
			f.ws.Settings.Registration.SoftwareStatement.Issuers[0].JWKS = workspace.JWKSDoc(rotated.jwks())
		}, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"the key published under another kid", func(f *fixture) {
			f.ws.Settings.Registration.SoftwareStatement.Issuers[0].JWKS = workspace.JWKSDoc(newTestKey(t, "dir-2").jwks())
		}, oautherr.InvalidSoftwareStatement, "not signed by a key"},
		{"fetched keys rotated", func(f *fixture) { fromURL(f, rotated.jwks()) }, oautherr.InvalidSoftwareStatement, "not signed by a key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newStatementFixture(t, key, workspace.Required)
			statement := key.sign(t, ssaClaims(f.now, nil), nil)
			for range 2 {
				if _, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, statement, nil)}); err != nil {
					t.Fatalf("registration with a good statement: %v", err)
				}
			}
			if _, ok := decodedStatements.Get(statement); !ok {
				t.Fatal("the statement verified was not remembered")
			}
			tc.change(f)
			_, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, statement, nil)})
			if oe := wantCode(t, err, tc.code); !strings.Contains(oe.Description, tc.says) {
				t.Errorf("description %q does not say %q", oe.Description, tc.says)
			}
			if n := f.clients(t); n != 2 {
				t.Errorf("%d clients stored, want the 2 registered before", n)
			}
		})
	}
	t.Run("fetched keys unchanged", func(t *testing.T) {
		f := newStatementFixture(t, key, workspace.Required)
		fromURL(f, key.jwks())
		statement := key.sign(t, ssaClaims(f.now, nil), nil)
		for range 2 {
			if _, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, statement, nil)}); err != nil {
				t.Fatalf("registration with a good statement: %v", err)
			}
		}
	})
}
