package registration

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// transportCert stands in for a TPP's transport certificate, which
// fakeCertificates trusts; strangerCert for one it does not.
var (
	transportCert = []*x509.Certificate{{Raw: []byte("transport")}}
	strangerCert  = []*x509.Certificate{{Raw: []byte("stranger")}}
)

// fakeCertificates trusts transportCert alone; a thumbprint is the
// certificate's Raw.
type fakeCertificates struct{}

func (fakeCertificates) VerifyChain(chain []*x509.Certificate) error {
	if len(chain) == 0 || chain[0] != transportCert[0] {
		return errors.New("untrusted")
	}
	return nil
}

func (fakeCertificates) Thumbprint(cert *x509.Certificate) string { return string(cert.Raw) }

// NamesClient: the transport certificate is "CN=tpp,O=Bank,C=GB".
func (fakeCertificates) NamesClient(cert *x509.Certificate, md client.Metadata) bool {
	return cert == transportCert[0] && md.TLSClientAuthSubjectDN == "CN=tpp,O=Bank,C=GB"
}

// newOBUKSetup is a signed setup whose workspace is of profile
// openbanking_uk (its defaults, the setup's directory and audience), with
// ES256 allowed besides PS256 as the test keys are ES256.
func newOBUKSetup(t *testing.T) *signedSetup {
	t.Helper()
	s := newSignedSetup(t, workspace.Required)
	reg := s.f.ws.Settings.Registration
	s.f.ws.Settings = workspace.DefaultSettingsFor(workspace.ProfileOpenBankingUK)
	s.f.ws.Settings.Registration.SoftwareStatement = reg.SoftwareStatement
	s.f.ws.Settings.Registration.Audiences = reg.Audiences
	s.f.ws.Settings.Registration.SignedRequestAlgs = []string{"PS256", "ES256"}
	s.f.svc.Certificates = fakeCertificates{}
	if errs := s.f.ws.Settings.Validate(); len(errs) > 0 {
		t.Fatalf("settings: %v", errs)
	}
	return s
}

// obukRequest is a signed registration over mutual TLS at the v3.3 endpoint.
func (s *signedSetup) obukRequest(t *testing.T, jti string, edit map[string]any) Request {
	t.Helper()
	body := s.sw.sign(t, s.claims(t, jti, edit), nil)
	return Request{Body: []byte(body), Signed: true, Certificates: transportCert, Endpoint: httpapi.OpenBankingUKRegisterPaths[1]}
}

// TestOpenBankingUKRegistration: the statement drives the client (its
// roles' scopes when none is asked for, its org_id kept), no
// registration access token is issued, and the client's URL is under the
// endpoint the request came to.
func TestOpenBankingUKRegistration(t *testing.T) {
	s := newOBUKSetup(t)
	ctx := context.Background()
	resp, err := s.f.svc.Register(ctx, s.f.ws, s.obukRequest(t, "j1", nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp["scope"] != "openid accounts payments" {
		t.Errorf("scope %v: want what AISP and PISP grant, with openid", resp["scope"])
	}
	if _, ok := resp["registration_access_token"]; ok {
		t.Errorf("a registration access token was issued: %v", resp)
	}
	id := resp["client_id"].(string)
	if want := "https://registrar.test/acme/openbankinguk/dcr/v3.3/register/" + id; resp["registration_client_uri"] != want {
		t.Errorf("registration_client_uri %v, want %s", resp["registration_client_uri"], want)
	}
	cl, err := s.f.store.ClientByID(ctx, s.f.ws.Name, id)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Provenance.OrgID != "org-7" || cl.RegistrationTokenHash != nil {
		t.Errorf("provenance %+v, registration token hash %x", cl.Provenance, cl.RegistrationTokenHash)
	}
	// Another registration of the same software is allowed.
	if _, err := s.f.svc.Register(ctx, s.f.ws, s.obukRequest(t, "j2", map[string]any{"scope": "openid accounts"})); err != nil {
		t.Fatalf("a second registration of sw-1: %v", err)
	}
}

// TestOpenBankingUKRefusals: each bad registration is refused with its
// error, and nothing is stored.
func TestOpenBankingUKRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*signedSetup, *Request)
		code string
		says string
	}{
		{"no transport certificate", func(_ *signedSetup, r *Request) { r.Certificates = nil }, oautherr.InvalidRequest, "certificate"},
		{"a certificate from another CA", func(_ *signedSetup, r *Request) { r.Certificates = strangerCert }, oautherr.InvalidRequest, "does not chain"},
		{"a scope the roles do not grant", func(s *signedSetup, r *Request) {
			r.Body = []byte(s.sw.sign(t, s.claims(t, "j", map[string]any{"scope": "openid fundsconfirmations"}), nil))
		}, oautherr.InvalidClientMetadata, `"fundsconfirmations" is not granted`},
		{"an alg the workspace does not allow", func(s *signedSetup, r *Request) {
			s.f.ws.Settings.Registration.SignedRequestAlgs = []string{"PS256"}
		}, oautherr.InvalidClientMetadata, `alg "ES256"`},
		{"response_types token", func(s *signedSetup, r *Request) {
			r.Body = []byte(s.sw.sign(t, s.claims(t, "j", map[string]any{"response_types": []string{"token"}}), nil))
		}, oautherr.InvalidClientMetadata, "response_types"},
		{"a DN that is not the transport certificate's", func(s *signedSetup, r *Request) {
			r.Body = []byte(s.sw.sign(t, s.claims(t, "j", map[string]any{"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_dn": "CN=someone,O=Bank,C=GB"}), nil))
		}, oautherr.InvalidClientMetadata, "transport certificate"},
		{"an auth method the workspace does not allow", func(s *signedSetup, r *Request) {
			r.Body = []byte(s.sw.sign(t, s.claims(t, "j", map[string]any{"token_endpoint_auth_method": "client_secret_post"}), nil))
		}, oautherr.InvalidClientMetadata, "token_endpoint_auth_method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newOBUKSetup(t)
			req := s.obukRequest(t, "j", nil)
			tc.edit(s, &req)
			_, err := s.f.svc.Register(context.Background(), s.f.ws, req)
			if oe := wantCode(t, err, tc.code); !strings.Contains(oe.Description, tc.says) {
				t.Errorf("description %q does not say %q", oe.Description, tc.says)
			}
			if n := s.f.clients(t); n != 0 {
				t.Errorf("%d clients stored", n)
			}
		})
	}
}

// TestBoundKeysAreTheStatements: under the profile the statement's keys
// are the client's, over any the request names; elsewhere the request's
// own keys stand (TestStatementKeysYieldToTheRequests).
func TestBoundKeysAreTheStatements(t *testing.T) {
	st := &softwareStatement{
		token: "t", softwareID: "sw-1", keysBound: true,
		claims: claims{"software_jwks_endpoint": json.RawMessage(`"https://directory.example/sw-1.jwks"`)},
	}
	for name, obj := range map[string]map[string]json.RawMessage{
		"jwks_uri": {"jwks_uri": json.RawMessage(`"https://app.example/jwks"`)},
		"jwks":     {"jwks": newTestKey(t, "own").jwks()},
	} {
		md, err := withStatement(obj, st)
		if err != nil {
			t.Fatal(err)
		}
		if md.JWKSURI != "https://directory.example/sw-1.jwks" || len(md.JWKS) > 0 {
			t.Errorf("request with %s: jwks_uri %q, jwks %s; want the statement's endpoint alone", name, md.JWKSURI, md.JWKS)
		}
	}
}

// TestAccessTokenAuthenticator: management takes the client's own
// client_credentials token, and refuses alike one of another client, a
// user's token of the client, an inactive token and none.
func TestAccessTokenAuthenticator(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Profile = workspace.ProfileOpenBankingUK
	f.svc.Certificates = fakeCertificates{}
	tokens := map[string]store.Token{
		"mine":    {ID: "t1", ClientID: "c1", Subject: "c1"},
		"bound":   {ID: "t1", ClientID: "c1", Subject: "c1", CertThumbprint: "transport"},
		"other":   {ID: "t2", ClientID: "c2", Subject: "c2"},
		"a-users": {ID: "t3", ClientID: "c1", Subject: "user-1"},
	}
	f.tokens = func(token string) (store.Token, error) {
		if at, ok := tokens[token]; ok {
			return at, nil
		}
		return store.Token{}, ErrInactiveToken
	}
	auth := f.svc.authenticatorFor(f.ws)
	if auth.IssuesRegistrationTokens() {
		t.Error("the profile's clients are issued registration access tokens")
	}
	cl := client.Client{ID: "c1"}
	for _, tc := range []struct {
		bearer string
		certs  []*x509.Certificate
		ok     bool
	}{
		{"mine", nil, true}, {"other", nil, false}, {"a-users", nil, false}, {"expired", nil, false}, {"", nil, false},
		{"bound", transportCert, true}, {"bound", nil, false}, {"bound", strangerCert, false},
	} {
		req, err := auth.Prepare(context.Background(), f.ws, Request{Bearer: tc.bearer, Certificates: tc.certs})
		if err != nil {
			t.Fatal(err)
		}
		g, err := auth.Authenticate(context.Background(), f.ws, cl, req)
		if tc.ok {
			if err != nil || g.label(tc.bearer) != "access_token:t1" {
				t.Errorf("%q: %v, credential %q", tc.bearer, err, g.label(tc.bearer))
			}
			continue
		}
		if oe := wantCode(t, err, oautherr.InvalidToken); oe.Status != 401 {
			t.Errorf("%q: status %d", tc.bearer, oe.Status)
		}
	}
}

// TestOpenBankingUKManagement: GET, PUT and DELETE with the client's
// token; after the delete the token is refused as any other.
func TestOpenBankingUKManagement(t *testing.T) {
	s := newOBUKSetup(t)
	ctx := context.Background()
	resp, err := s.f.svc.Register(ctx, s.f.ws, s.obukRequest(t, "j1", nil))
	if err != nil {
		t.Fatal(err)
	}
	id := resp["client_id"].(string)
	s.f.tokens = func(token string) (store.Token, error) {
		if token == "cc" {
			return store.Token{ID: "t1", ClientID: id, Subject: id}, nil
		}
		return store.Token{}, ErrInactiveToken
	}
	mgmt := Request{Bearer: "cc", Certificates: transportCert}
	if got, err := s.f.svc.Read(ctx, s.f.ws, id, mgmt); err != nil || got["registration_access_token"] != nil {
		t.Fatalf("GET: %v %v", got, err)
	}
	upd := s.obukRequest(t, "j2", map[string]any{"client_id": id, "redirect_uris": []string{"https://app.example/cb2"}})
	upd.Bearer = "cc"
	got, err := s.f.svc.Update(ctx, s.f.ws, id, upd)
	if err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if uris, _ := got["redirect_uris"].([]any); len(uris) != 1 || uris[0] != "https://app.example/cb2" {
		t.Errorf("PUT answered redirect_uris %v", got["redirect_uris"])
	}
	cl, _ := s.f.store.ClientByID(ctx, s.f.ws.Name, id)
	if cl.Metadata.RedirectURIs[0] != "https://app.example/cb2" {
		t.Errorf("PUT stored redirect_uris %v", cl.Metadata.RedirectURIs)
	}
	if err := s.f.svc.Delete(ctx, s.f.ws, id, mgmt); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	_, err = s.f.svc.Read(ctx, s.f.ws, id, mgmt)
	wantCode(t, err, oautherr.InvalidToken)
}

// TestOpenBankingUKMutualTLSClientsAreBound: a tls_client_auth client of
// the profile gets certificate-bound tokens, registered or not; its DN
// may be spelt as OBUK v3.2 does.
func TestOpenBankingUKMutualTLSClientsAreBound(t *testing.T) {
	s := newOBUKSetup(t)
	resp, err := s.f.svc.Register(context.Background(), s.f.ws, s.obukRequest(t, "j1", map[string]any{
		"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_dn": "CN=tpp,O=Bank,C=GB",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if resp["tls_client_certificate_bound_access_tokens"] != true || resp["tls_client_auth_subject_dn"] != "CN=tpp,O=Bank,C=GB" {
		t.Errorf("answer %v", resp)
	}
}

// TestOpenBankingUKReissuesNoRegistrationToken: an operator cannot give a
// client of the profile a registration access token, which would open
// nothing.
func TestOpenBankingUKReissuesNoRegistrationToken(t *testing.T) {
	s := newOBUKSetup(t)
	resp, err := s.f.svc.Register(context.Background(), s.f.ws, s.obukRequest(t, "j1", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.f.svc.ReissueRegistrationToken(context.Background(), s.f.ws, resp["client_id"].(string), store.AuditEvent{}); !errors.Is(err, ErrNoRegistrationTokens) {
		t.Fatalf("reissue: %v", err)
	}
}
