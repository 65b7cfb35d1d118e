package oauth

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func TestReadClientEvidence(t *testing.T) {
	cases := []struct {
		name       string
		header     string
		form       httpapi.Form
		want       ClientEvidence
		wantCode   string
		wantHeader bool
	}{
		{"basic", basic("app", "s3cret"), nil, ClientEvidence{ClientID: "app", Secret: "s3cret", Basic: true}, "", false},
		// RFC 6749 §2.3.1: values are form-encoded before base64.
		{"basic form-encoded", basic("a b:c", "p%s+q"), nil, ClientEvidence{ClientID: "a b:c", Secret: "p%s+q", Basic: true}, "", false},
		{"basic with matching body client_id", basic("app", "x"), httpapi.Form{"client_id": {"app"}}, ClientEvidence{ClientID: "app", Secret: "x", Basic: true}, "", false},
		{"post", "", httpapi.Form{"client_id": {"app"}, "client_secret": {"x"}}, ClientEvidence{ClientID: "app", Secret: "x"}, "", false},
		{"public", "", httpapi.Form{"client_id": {"app"}}, ClientEvidence{ClientID: "app"}, "", false},
		{"nothing", "", nil, ClientEvidence{}, oautherr.InvalidClient, true},
		{"secret without client_id", "", httpapi.Form{"client_secret": {"x"}}, ClientEvidence{}, oautherr.InvalidClient, true},
		// RFC 6749 §2.3: one method per request.
		{"two methods", basic("app", "x"), httpapi.Form{"client_secret": {"x"}}, ClientEvidence{}, oautherr.InvalidRequest, false},
		{"different client ids", basic("app", "x"), httpapi.Form{"client_id": {"other"}}, ClientEvidence{}, oautherr.InvalidClient, true},
		{"bearer scheme", "Bearer abc", nil, ClientEvidence{}, oautherr.InvalidClient, true},
		{"not base64", "Basic !!!", nil, ClientEvidence{}, oautherr.InvalidClient, true},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("app")), nil, ClientEvidence{}, oautherr.InvalidClient, true},
		{"bad escape", "Basic " + base64.StdEncoding.EncodeToString([]byte("a%zz:b")), nil, ClientEvidence{}, oautherr.InvalidClient, true},
		{"assertion unsupported", "", httpapi.Form{"client_assertion": {"x"}, "client_assertion_type": {"y"}}, ClientEvidence{}, oautherr.InvalidClient, true},
		// RFC 7521 §4.2: an assertion is the request's one method.
		{"assertion with basic", basic("app", "x"), httpapi.Form{"client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"sub":"app"}`)}}, ClientEvidence{}, oautherr.InvalidRequest, false},
		{"assertion with malformed basic", "Basic !!!", httpapi.Form{"client_assertion": {"x"}}, ClientEvidence{}, oautherr.InvalidRequest, false},
		{"assertion with client_secret", "", httpapi.Form{"client_secret": {"x"}, "client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"sub":"app"}`)}}, ClientEvidence{}, oautherr.InvalidRequest, false},
		{"assertion without its type", "", httpapi.Form{"client_assertion": {unsignedAssertion(`{"sub":"app"}`)}}, ClientEvidence{}, oautherr.InvalidRequest, false},
		// RFC 7523 §3: client_id is optional; the assertion's sub names the client.
		{"assertion names the client", "", httpapi.Form{"client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"sub":"app"}`)}},
			ClientEvidence{ClientID: "app", Assertion: ClientAssertion{Type: JWTBearer, Value: unsignedAssertion(`{"sub":"app"}`)}}, "", false},
		{"assertion with its client_id", "", httpapi.Form{"client_id": {"app"}, "client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"sub":"app"}`)}},
			ClientEvidence{ClientID: "app", Assertion: ClientAssertion{Type: JWTBearer, Value: unsignedAssertion(`{"sub":"app"}`)}}, "", false},
		{"assertion of another client", "", httpapi.Form{"client_id": {"other"}, "client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"sub":"app"}`)}}, ClientEvidence{}, oautherr.InvalidClient, true},
		{"assertion without sub", "", httpapi.Form{"client_id": {"app"}, "client_assertion_type": {JWTBearer}, "client_assertion": {unsignedAssertion(`{"iss":"app"}`)}}, ClientEvidence{}, oautherr.InvalidClient, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			got, err := readClientEvidence(r, tc.form)
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
			if err != nil {
				t.Fatal(err)
			}
			// The claims decoded on the way are a cache of Value.
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(ClientAssertion{})); diff != "" {
				t.Fatalf("evidence (-want +got):\n%s", diff)
			}
		})
	}
}

// The refusals a client sees word for word: each names the rule.
func TestClientEvidenceRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		form         httpapi.Form
		want         string
	}{
		{"assertion", "", httpapi.Form{"client_assertion_type": {JWTBearer}}, "client_assertion_type and client_assertion must be sent together"},
		{"two methods", basic("app", "x"), httpapi.Form{"client_secret": {"x"}}, "client credentials were sent both in the Authorization header and in the body; use one method"},
		{"two client ids", basic("app", "x"), httpapi.Form{"client_id": {"other"}}, "client_id in the body differs from the authenticated client"},
		{"nothing", "", nil, "client authentication is required"},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		_, err := readClientEvidence(r, tc.form)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Description != tc.want {
			t.Errorf("%s: err = %v; want %q", tc.name, err, tc.want)
		}
	}
}

// The TLS client certificate chain is kept with the evidence for the
// certificate methods to come; it changes nothing else.
func TestClientEvidenceKeepsCertificates(t *testing.T) {
	leaf := &x509.Certificate{Raw: []byte{1}}
	r := httptest.NewRequest("POST", "/", nil)
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
	r.Header.Set("Authorization", basic("app", "s3cret"))
	ev, err := readClientEvidence(r, nil)
	if err != nil || len(ev.Certificates) != 1 || ev.Certificates[0] != leaf || !ev.Basic {
		t.Fatalf("got %+v, %v; want the Basic evidence with the peer's certificate", ev, err)
	}
}

// Two Authorization headers are refused whichever comes first: neither
// may pass for the request's one credential (RFC 9110 §11.6.2).
func TestClientEvidenceRefusesTwoAuthorizationHeaders(t *testing.T) {
	good, bad := basic("app", "s3cret"), basic("app", "wrong")
	for _, headers := range [][]string{{good, bad}, {bad, good}} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header["Authorization"] = headers
		_, err := readClientEvidence(r, nil)
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
