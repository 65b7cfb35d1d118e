package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

// A TLS node serves discovery to callers without a certificate, names an
// https issuer, and says what mutual TLS it does.
func TestServeTLS(t *testing.T) {
	n := startNode(t, nodeOpts{TLS: true, ClientCA: newTestCA(t, "Client CA")})
	r := get(t, n.Base+"/default/.well-known/openid-configuration")
	if r.Status != 200 {
		t.Fatalf("discovery without a certificate: %d %s", r.Status, r.Body)
	}
	d := r.JSON(t)
	if d["issuer"] != n.Base+"/default" {
		t.Fatalf("issuer %v, want %s/default", d["issuer"], n.Base)
	}
	methods, _ := d["token_endpoint_auth_methods_supported"].([]any)
	for _, want := range []string{"tls_client_auth", "self_signed_tls_client_auth"} {
		if !slices.Contains(anyStrings(methods), want) {
			t.Errorf("token_endpoint_auth_methods_supported %v lacks %s", methods, want)
		}
	}
	if d["tls_client_certificate_bound_access_tokens"] != true {
		t.Errorf("tls_client_certificate_bound_access_tokens = %v, want true", d["tls_client_certificate_bound_access_tokens"])
	}
}

func anyStrings(v []any) []string {
	var out []string
	for _, x := range v {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

const tppDN = "CN=tpp,OU=payments,O=Bank,C=GB"

// tppSubject is tppDN as a certificate subject.
var tppSubject = dn("CN", "tpp", "OU", "payments", "O", "Bank", "C", "GB")

// ccWithCert asks for a client_credentials token as client id, presenting
// cert (none when nil).
func ccWithCert(t testing.TB, n *node, cert *testCert, id string) response {
	t.Helper()
	return postFormCert(t, cert, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}})
}

// tls_client_auth through the binary: the certificate authenticates the
// client at the token, introspection and revocation endpoints; one from
// another CA, a DN differing in one attribute or in order, a self-signed
// one or none authenticates nothing and gets nothing issued.
func TestTLSClientAuth(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca})
	id, _ := n.createClient("default", "--auth-method", "tls_client_auth", "--tls-subject-dn", tppDN)
	cert := ca.clientCert(t, certOpts{Subject: tppSubject})

	r := ccWithCert(t, n, cert, id)
	if r.Status != 200 {
		t.Fatalf("token with the registered certificate: %d %s", r.Status, r.Body)
	}
	at := r.JSON(t)["access_token"].(string)
	ep := n.Base + "/default/oauth2/"
	r = postFormCert(t, cert, ep+"introspect", url.Values{"token": {at}, "client_id": {id}})
	if r.Status != 200 || r.JSON(t)["active"] != true {
		t.Fatalf("introspection with the certificate: %d %s", r.Status, r.Body)
	}
	if r := postFormCert(t, cert, ep+"revoke", url.Values{"token": {at}, "client_id": {id}}); r.Status != 200 {
		t.Fatalf("revocation with the certificate: %d %s", r.Status, r.Body)
	}
	r = postFormCert(t, cert, ep+"introspect", url.Values{"token": {at}, "client_id": {id}})
	if r.JSON(t)["active"] != false {
		t.Fatalf("the revoked token is still active: %s", r.Body)
	}

	other := newTestCA(t, "Another CA")
	refused := map[string]*testCert{
		"another CA":            other.clientCert(t, certOpts{Subject: tppSubject}),
		"one attribute differs": ca.clientCert(t, certOpts{Subject: dn("CN", "tpp", "OU", "payments", "O", "Other Bank", "C", "GB")}),
		"attributes reordered":  ca.clientCert(t, certOpts{Subject: dn("OU", "payments", "CN", "tpp", "O", "Bank", "C", "GB")}),
		"one attribute more":    ca.clientCert(t, certOpts{Subject: dn("CN", "tpp", "OU", "payments", "O", "Bank", "L", "London", "C", "GB")}),
		"self-signed":           selfSignedCert(t, certOpts{Subject: tppSubject}),
		"no certificate":        nil,
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			wantError(t, ccWithCert(t, n, c, id), 401, "invalid_client")
			r := postFormCert(t, c, ep+"introspect", url.Values{"token": {at}, "client_id": {id}})
			wantError(t, r, 401, "invalid_client")
		})
	}
}

// Each subject alternative name a tls_client_auth client may register
// authenticates it with a certificate carrying it, and not with one
// carrying another.
func TestTLSClientAuthSubjectAlternativeNames(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca})
	cert := ca.clientCert(t, certOpts{Subject: dn("CN", "anything"), DNS: []string{"tpp.example"},
		URIs: []string{"spiffe://bank.example/tpp"}, IPs: []string{"192.0.2.7"}, Emails: []string{"ops@tpp.example"}})
	for _, tc := range []struct{ flag, good, bad string }{
		{"--tls-san-dns", "TPP.example", "other.example"},
		{"--tls-san-uri", "spiffe://bank.example/tpp", "spiffe://bank.example/other"},
		{"--tls-san-ip", "192.0.2.7", "192.0.2.8"},
		{"--tls-san-email", "ops@TPP.example", "Ops@tpp.example"},
	} {
		good, _ := n.createClient("default", "--auth-method", "tls_client_auth", tc.flag, tc.good)
		if r := ccWithCert(t, n, cert, good); r.Status != 200 {
			t.Errorf("%s %s: %d %s", tc.flag, tc.good, r.Status, r.Body)
		}
		bad, _ := n.createClient("default", "--auth-method", "tls_client_auth", tc.flag, tc.bad)
		wantError(t, ccWithCert(t, n, cert, bad), 401, "invalid_client")
	}
}

// self_signed_tls_client_auth: no CA at all, the certificate's key is the
// one the client registered.
func TestSelfSignedTLSClientAuth(t *testing.T) {
	n := startNode(t, nodeOpts{TLS: true})
	cert := selfSignedCert(t, certOpts{Subject: dn("CN", "self")})
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwks, []byte(publicJWKS(t, cert.Key.Public(), "k1")), 0o600); err != nil {
		t.Fatal(err)
	}
	id, _ := n.createClient("default", "--auth-method", "self_signed_tls_client_auth", "--jwks", jwks)
	if r := ccWithCert(t, n, cert, id); r.Status != 200 {
		t.Fatalf("token with the registered key's certificate: %d %s", r.Status, r.Body)
	}
	stranger := selfSignedCert(t, certOpts{Subject: dn("CN", "self")})
	wantError(t, ccWithCert(t, n, stranger, id), 401, "invalid_client")
	wantError(t, ccWithCert(t, n, nil, id), 401, "invalid_client")
}

// Behind a TLS-terminating proxy: the forwarded certificate counts from a
// trusted proxy only. The test connects from 127.0.0.1, a trusted proxy
// of the first node and not of the second.
func TestClientCertHeaderOnlyFromTrustedProxies(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	cert := ca.clientCert(t, certOpts{Subject: tppSubject})
	header := url.PathEscape(string(pemFile(t, cert.CertFile)))
	for _, tc := range []struct {
		proxies string
		want    int
	}{{"[127.0.0.1]", 200}, {"[192.0.2.1]", 401}} {
		n := startNode(t, nodeOpts{ClientCA: ca, YAML: "trusted_proxies: " + tc.proxies + "\nclient_cert_header: X-SSL-Client-Cert\n"})
		id, _ := n.createClient("default", "--auth-method", "tls_client_auth", "--tls-subject-dn", tppDN)
		r := postForm(t, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}, "X-SSL-Client-Cert", header)
		if r.Status != tc.want {
			t.Fatalf("trusted_proxies %s: %d %s, want %d", tc.proxies, r.Status, r.Body, tc.want)
		}
	}
}

func pemFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Certificate-bound tokens: cnf in the JWT and in introspection, for JWT
// and opaque tokens alike; a client registered for them gets none without
// a certificate.
func TestCertificateBoundTokens(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca, YAML: "workspaces:\n  - name: opaque\n    access_token_format: opaque\n"})
	cert := ca.clientCert(t, certOpts{Subject: tppSubject})
	for _, ws := range []string{"default", "opaque"} {
		id, _ := n.createClient(ws, "--auth-method", "tls_client_auth", "--tls-subject-dn", tppDN, "--certificate-bound-tokens")
		r := postFormCert(t, cert, n.Base+"/"+ws+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}})
		if r.Status != 200 {
			t.Fatalf("%s: token: %d %s", ws, r.Status, r.Body)
		}
		at := r.JSON(t)["access_token"].(string)
		if ws == "default" {
			cnf, _ := jwtClaims(t, at)["cnf"].(map[string]any)
			if cnf["x5t#S256"] != cert.thumbprint() {
				t.Fatalf("JWT cnf %v, want x5t#S256 %s", cnf, cert.thumbprint())
			}
		}
		r = postFormCert(t, cert, n.Base+"/"+ws+"/oauth2/introspect", url.Values{"token": {at}, "client_id": {id}})
		cnf, _ := r.JSON(t)["cnf"].(map[string]any)
		if cnf["x5t#S256"] != cert.thumbprint() {
			t.Fatalf("%s: introspection cnf %v (%s), want x5t#S256 %s", ws, cnf, r.Body, cert.thumbprint())
		}
	}
	// A secret client registered for bound tokens must present a
	// certificate to get one.
	id, secret := n.createClient("default", "--certificate-bound-tokens")
	form := url.Values{"grant_type": {"client_credentials"}}
	wantError(t, postForm(t, n.Base+"/default/oauth2/token", form, "Authorization", basicAuth(id, secret)), 400, "invalid_request", "certificate")
	r := postFormCert(t, cert, n.Base+"/default/oauth2/token", form, "Authorization", basicAuth(id, secret))
	if cnf, _ := jwtClaims(t, r.JSON(t)["access_token"].(string))["cnf"].(map[string]any); cnf["x5t#S256"] != cert.thumbprint() {
		t.Fatalf("secret client's token cnf %v", cnf)
	}
}

// A bound token at userinfo works with its certificate only, and a public
// client's refresh token only with the certificate it was issued over.
func TestBoundTokensAtUserinfoAndRefresh(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	f := newFlowFixtureOn(t, nodeOpts{TLS: true, ClientCA: ca})
	n := f.n
	cert, otherCert := ca.clientCert(t, certOpts{Subject: tppSubject}), ca.clientCert(t, certOpts{Subject: dn("CN", "someone else")})

	// A confidential tls_client_auth client with bound tokens.
	id, _ := n.createClient("default", "--auth-method", "tls_client_auth", "--tls-subject-dn", tppDN, "--certificate-bound-tokens",
		"--grant-type", "authorization_code", "--grant-type", "refresh_token", "--redirect-uri", "https://other.example/cb", "--scope", "openid profile offline_access")
	bound := *f
	bound.clientID, bound.redirect = id, "https://other.example/cb"
	verifier, _ := pkce()
	code := bound.login(newAgent(t), nil).Query().Get("code")
	r := postFormCert(t, cert, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {bound.redirect}, "client_id": {id}, "code_verifier": {verifier}})
	if r.Status != 200 {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	at := r.JSON(t)["access_token"].(string)
	userinfo := n.Base + "/default/oauth2/userinfo"
	if r := getCert(t, cert, userinfo, "Authorization", "Bearer "+at); r.Status != 200 {
		t.Fatalf("userinfo with the certificate: %d %s", r.Status, r.Body)
	}
	for name, c := range map[string]*testCert{"no certificate": nil, "another certificate": otherCert} {
		r := getCert(t, c, userinfo, "Authorization", "Bearer "+at)
		if r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Fatalf("userinfo with %s: %d %s %q", name, r.Status, r.Body, r.Header.Get("WWW-Authenticate"))
		}
	}

	// The fixture's public client, over a certificate of its own (no CA
	// needed: nothing authenticates with it).
	own := selfSignedCert(t, certOpts{Subject: dn("CN", "app")})
	code = f.login(newAgent(t), url.Values{"scope": {"openid offline_access"}}).Query().Get("code")
	r = postFormCert(t, own, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {f.redirect}, "client_id": {f.clientID}, "code_verifier": {verifier}})
	if r.Status != 200 {
		t.Fatalf("public exchange: %d %s", r.Status, r.Body)
	}
	rt := r.JSON(t)["refresh_token"].(string)
	// A certificate does not make a public client one that may introspect.
	wantError(t, postFormCert(t, own, n.Base+"/default/oauth2/introspect", url.Values{"token": {rt}, "client_id": {f.clientID}}), 401, "invalid_client", "public")
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {f.clientID}}
	for name, c := range map[string]*testCert{"no certificate": nil, "another certificate": otherCert} {
		t.Run("refresh with "+name, func(t *testing.T) {
			wantError(t, postFormCert(t, c, n.Base+"/default/oauth2/token", refresh), 400, "invalid_grant", "certificate")
		})
	}
	if r := postFormCert(t, own, n.Base+"/default/oauth2/token", refresh); r.Status != 200 {
		t.Fatalf("refresh with the certificate: %d %s", r.Status, r.Body)
	}
}

// The listener's certificate and the client CAs are read again when their
// files change: the next handshake shows the new certificate, and a
// certificate of the new CA authenticates.
func TestCertificateFilesReloaded(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca})
	renewed := serverRoot.serverCert(t)
	replaceFile(t, n.TLSCert.KeyFile, renewed.KeyFile)
	replaceFile(t, n.TLSCert.CertFile, renewed.CertFile)
	waitFor(t, "the renewed server certificate", func() bool {
		return servedCertificate(t, n).Equal(renewed.Cert)
	})

	newCA := newTestCA(t, "New client CA")
	id, _ := n.createClient("default", "--auth-method", "tls_client_auth", "--tls-subject-dn", tppDN)
	cert := newCA.clientCert(t, certOpts{Subject: tppSubject})
	wantError(t, ccWithCert(t, n, cert, id), 401, "invalid_client")
	replaceFile(t, ca.File, newCA.File)
	waitFor(t, "a certificate of the new client CA to authenticate", func() bool {
		return ccWithCert(t, n, cert, id).Status == 200
	})

	// A broken file keeps the last good certificate.
	if err := os.WriteFile(n.TLSCert.CertFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if !servedCertificate(t, n).Equal(renewed.Cert) {
		t.Fatal("a broken certificate file replaced the one served")
	}
}

func replaceFile(t testing.TB, dst, src string) {
	t.Helper()
	if err := os.WriteFile(dst, pemFile(t, src), 0o600); err != nil {
		t.Fatal(err)
	}
}

// servedCertificate is the leaf a new TLS connection to n shows.
func servedCertificate(t testing.TB, n *node) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(n.Base, "https://"), harnessTransport.TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not within 10s", what)
}

// `dev register --cert --key --ca` registers over mutual TLS, trusting the
// server's CA; the client it registers then authenticates with that
// certificate. Without --ca the server's certificate is not trusted.
func TestDevRegisterOverMutualTLS(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca,
		YAML: "workspaces:\n  - name: default\n    registration:\n      auth_methods: [tls_client_auth, client_secret_basic]\n"})
	cert := ca.clientCert(t, certOpts{Subject: tppSubject})
	serverCA := filepath.Join(t.TempDir(), "server-ca.pem")
	certtest.WritePEM(t, serverCA, "CERTIFICATE", serverRoot.Cert.Raw)
	md := `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_subject_dn":"` + tppDN + `"}`
	register := []string{"dev", "register", "--endpoint", n.Base + "/default/oauth2/register", "--metadata", "-",
		"--iat", n.iat("default", 2), "--cert", cert.CertFile, "--key", cert.KeyFile, "--json"}
	if out, err := n.cliInput(md, register...); err == nil || !strings.Contains(out, "certificate") {
		t.Fatalf("without --ca the server's certificate was trusted: %v\n%s", err, out)
	}
	out, err := n.cliInput(md, append(register, "--ca", serverCA)...)
	var reg map[string]any
	if err != nil || json.Unmarshal([]byte(out), &reg) != nil {
		t.Fatalf("dev register: %v\n%s", err, out)
	}
	if r := ccWithCert(t, n, cert, reg["client_id"].(string)); r.Status != 200 {
		t.Fatalf("the registered client with its certificate: %d %s", r.Status, r.Body)
	}
}

// A bound access token used as an initial access token counts only with
// its certificate, as at userinfo: every place Registrar takes its own
// tokens checks the binding.
func TestBoundTokenAsInitialAccessToken(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca})
	cert := ca.clientCert(t, certOpts{Subject: tppSubject})
	id, secret := n.createClient("default", "--scope", "dcr", "--certificate-bound-tokens")
	r := postFormCert(t, cert, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"dcr"}},
		"Authorization", basicAuth(id, secret))
	if r.Status != 200 {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	at := r.JSON(t)["access_token"].(string)
	register := func(c *testCert) response {
		req, _ := http.NewRequest(http.MethodPost, n.Base+"/default/oauth2/register", strings.NewReader(`{"grant_types":["client_credentials"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+at)
		return doWith(t, certClient(c), req)
	}
	before := n.clientCount("default")
	wantError(t, register(nil), 401, "invalid_token")
	wantError(t, register(ca.clientCert(t, certOpts{Subject: dn("CN", "other")})), 401, "invalid_token")
	if n.clientCount("default") != before {
		t.Fatal("a refused registration stored a client")
	}
	if r := register(cert); r.Status != 201 {
		t.Fatalf("registration with the token's certificate: %d %s", r.Status, r.Body)
	}
}
