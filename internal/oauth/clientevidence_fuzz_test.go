package oauth

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// FuzzReadClientEvidence: for any Authorization header and client_id /
// client_secret in the body, the evidence names a client, or the request
// is refused with invalid_request or invalid_client; never a panic. Basic
// credentials round-trip: encoded again as RFC 6749 §2.3.1 says, they read
// back the same.
func FuzzReadClientEvidence(f *testing.F) {
	for _, s := range [][3]string{
		{basic("app", "s3cret"), "", ""}, {basic("a b:c", "%+/"), "a b:c", ""}, {"", "app", ""}, {"", "app", "sec"},
		{basic("app", "x"), "other", ""}, {basic("app", "x"), "", "x"}, {"Bearer abc", "", ""}, {"Basic Og==", "", ""},
		{"basic YTpi", "", ""}, {"Basic %%%", "", ""}, {"", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, header, clientID, secret string) {
		r := httptest.NewRequest("POST", "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		form := httpapi.Form{}
		if clientID != "" {
			form["client_id"] = []string{clientID}
		}
		if secret != "" {
			form["client_secret"] = []string{secret}
		}
		ev, err := readClientEvidence(r, form)
		if err != nil {
			var oe *oautherr.Error
			if !errors.As(err, &oe) || (oe.Code != oautherr.InvalidRequest && oe.Code != oautherr.InvalidClient) {
				t.Fatalf("header %q, body %q/%q: %v; want invalid_request or invalid_client", header, clientID, secret, err)
			}
			return
		}
		if ev.ClientID == "" {
			t.Fatalf("header %q, body %q/%q: evidence without a client id", header, clientID, secret)
		}
		if !ev.Basic {
			if ev.ClientID != clientID || ev.Secret != secret {
				t.Fatalf("body %q/%q read as %q/%q", clientID, secret, ev.ClientID, ev.Secret)
			}
			return
		}
		if clientID != "" && clientID != ev.ClientID || secret != "" {
			t.Fatalf("header %q with body %q/%q accepted: two identities or two secrets", header, clientID, secret)
		}
		id, sec, err := parseBasic(basic(ev.ClientID, ev.Secret))
		if err != nil || id != ev.ClientID || sec != ev.Secret {
			t.Fatalf("%q read as %q/%q, which encode and read back as %q/%q (%v)", header, ev.ClientID, ev.Secret, id, sec, err)
		}
	})
}
