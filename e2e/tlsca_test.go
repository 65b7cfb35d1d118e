package e2e

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

// Throw-away PKI for the TLS tests, made in process:
//
//	ca := newTestCA(t, "Test Bank CA")             // a client CA (PEM in ca.File)
//	cert := ca.clientCert(t, certOpts{Subject: dn("CN", "tpp", "O", "Bank", "C", "GB"), DNS: []string{"tpp.example"}})
//	self := selfSignedCert(t, certOpts{Subject: dn("CN", "self")})
//	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca})   // serve over https, --client-ca ca.File
//	r := postFormCert(t, cert, n.Base+"/default/oauth2/token", form)   // presents cert
//
// Every TLS node's server certificate comes from one process-wide CA
// (serverRoot) that the harness's HTTP clients trust: get, post, postForm
// and send work on an https node unchanged, presenting no certificate.
// postFormCert and getCert present one; any other request does with
// doWith(t, certClient(cert), req). n.TLSCert is the node's own
// certificate (its files are the ones serve reads), cert.thumbprint() a
// certificate's x5t#S256, and publicJWKS(t, cert.Key.Public(), kid) the
// JWK Set a self_signed_tls_client_auth client registers.

// testCA is a certificate authority: its certificate, key and a PEM file of
// the certificate (for --client-ca).
type testCA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	File string
}

// testCert is an issued (or self-signed) certificate with its key, also as
// PEM files (CertFile holds the leaf then its issuer, for --cert or
// --tls-cert) and as a tls.Certificate.
type testCert struct {
	Cert              *x509.Certificate
	Key               crypto.Signer
	CertFile, KeyFile string
	TLS               tls.Certificate

	once   sync.Once
	client *http.Client
}

// certOpts describe a certificate to issue. Zero fields are left out;
// Key is a fresh P-256 key when nil.
type certOpts struct {
	Subject pkix.Name // see dn for a chosen attribute order
	DNS     []string
	URIs    []string
	IPs     []string
	Emails  []string
	Key     crypto.Signer
}

// Attribute type OIDs of RFC 4519, for dn.
var dnOIDs = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3}, "SERIALNUMBER": {2, 5, 4, 5}, "C": {2, 5, 4, 6}, "L": {2, 5, 4, 7},
	"ST": {2, 5, 4, 8}, "STREET": {2, 5, 4, 9}, "O": {2, 5, 4, 10}, "OU": {2, 5, 4, 11},
	"DC": {0, 9, 2342, 19200300, 100, 1, 25}, "UID": {0, 9, 2342, 19200300, 100, 1, 1},
}

// dn is a subject with exactly the attributes given, as type/value pairs
// in RFC 4514 string order (most specific first: dn("CN", "tpp", "O",
// "Bank") is "CN=tpp,O=Bank"); the certificate encodes them in that
// order reversed, as X.509 does.
func dn(typeValue ...string) pkix.Name {
	var names []pkix.AttributeTypeAndValue
	for i := len(typeValue) - 2; i >= 0; i -= 2 {
		oid, ok := dnOIDs[typeValue[i]]
		if !ok {
			panic("dn: unknown attribute type " + typeValue[i])
		}
		names = append(names, pkix.AttributeTypeAndValue{Type: oid, Value: typeValue[i+1]})
	}
	return pkix.Name{ExtraNames: names}
}

// newTestCA makes a root CA valid for a day, its PEM in t.TempDir().
func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	cert, key, err := makeCA(name)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{Cert: cert, Key: key, File: filepath.Join(t.TempDir(), "ca.pem")}
	certtest.WritePEM(t, ca.File, "CERTIFICATE", cert.Raw)
	return ca
}

func makeCA(name string) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// clientCert issues a TLS client certificate (ExtKeyUsageClientAuth).
func (ca *testCA) clientCert(t testing.TB, o certOpts) *testCert {
	t.Helper()
	return ca.issue(t, o, x509.ExtKeyUsageClientAuth)
}

// serverCert issues a TLS server certificate for 127.0.0.1, ::1 and
// localhost.
func (ca *testCA) serverCert(t testing.TB) *testCert {
	t.Helper()
	return ca.issue(t, certOpts{Subject: pkix.Name{CommonName: "localhost"}, DNS: []string{"localhost"}, IPs: []string{"127.0.0.1", "::1"}}, x509.ExtKeyUsageServerAuth)
}

func (ca *testCA) issue(t testing.TB, o certOpts, usage x509.ExtKeyUsage) *testCert {
	t.Helper()
	tmpl := leafTemplate(t, o, usage)
	key := o.key(t)
	return newTestCert(t, certtest.Sign(t, tmpl, ca.Cert, key.Public(), ca.Key), key, ca.Cert)
}

// selfSignedCert is a client certificate signed by its own key, as a
// self_signed_tls_client_auth client presents.
func selfSignedCert(t testing.TB, o certOpts) *testCert {
	t.Helper()
	tmpl := leafTemplate(t, o, x509.ExtKeyUsageClientAuth)
	key := o.key(t)
	return newTestCert(t, certtest.Sign(t, tmpl, tmpl, key.Public(), key), key, nil)
}

func (o certOpts) key(t testing.TB) crypto.Signer {
	if o.Key != nil {
		return o.Key
	}
	return certtest.Key(t)
}

func leafTemplate(t testing.TB, o certOpts, usage x509.ExtKeyUsage) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:   serial(t),
		Subject:        o.Subject,
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(24 * time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{usage},
		DNSNames:       o.DNS,
		EmailAddresses: o.Emails,
	}
	for _, s := range o.URIs {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, u)
	}
	for _, s := range o.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(s))
	}
	return tmpl
}

func newTestCert(t testing.TB, cert *x509.Certificate, key crypto.Signer, issuer *x509.Certificate) *testCert {
	t.Helper()
	dir := t.TempDir()
	c := &testCert{Cert: cert, Key: key, CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	c.TLS = tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	if issuer != nil {
		c.TLS.Certificate = append(c.TLS.Certificate, issuer.Raw)
	}
	certtest.WritePEM(t, c.CertFile, "CERTIFICATE", c.TLS.Certificate...)
	certtest.WriteKey(t, c.KeyFile, key)
	return c
}

// thumbprint is the certificate's x5t#S256 (RFC 8705 §3.1), computed
// here independently of the server's.
func (c *testCert) thumbprint() string {
	sum := sha256.Sum256(c.Cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// certClient is an HTTP client that trusts the TLS nodes and presents
// cert (none when nil); one per certificate, so its connections are kept
// alive across requests. Redirects are not followed, as with do.
func certClient(cert *testCert) *http.Client {
	if cert == nil {
		return harnessClient
	}
	cert.once.Do(func() {
		tr := harnessTransport.Clone()
		tr.TLSClientConfig.Certificates = []tls.Certificate{cert.TLS}
		cert.client = &http.Client{Timeout: harnessClient.Timeout, Transport: tr, CheckRedirect: harnessClient.CheckRedirect}
	})
	return cert.client
}

// postFormCert is postForm presenting cert.
func postFormCert(t testing.TB, cert *testCert, u string, form url.Values, headers ...string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req, headers)
	return doWith(t, certClient(cert), req)
}

// getCert is get presenting cert.
func getCert(t testing.TB, cert *testCert, u string, headers ...string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	setHeaders(req, headers)
	return doWith(t, certClient(cert), req)
}

// serverRoot is the process-wide CA of every TLS node's server
// certificate, the one the harness's clients trust (tests never see it).
var serverRoot = func() *testCA {
	cert, key, err := makeCA("Registrar e2e server CA")
	if err != nil {
		panic(err)
	}
	return &testCA{Cert: cert, Key: key}
}()

// harnessTransport is the transport of the harness's clients: it trusts
// serverRoot and presents no certificate.
var harnessTransport = func() *http.Transport {
	roots := x509.NewCertPool()
	roots.AddCert(serverRoot.Cert)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	return tr
}()

// harnessClient is do's client: it follows no redirect, so tests see them.
var harnessClient = &http.Client{
	Timeout:       30 * time.Second,
	Transport:     harnessTransport,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// serveTLS returns the serve flags for a server certificate (and for the
// client CA, when set).
func serveTLS(sc *testCert, clientCA *testCA) []string {
	args := []string{"--tls-cert", sc.CertFile, "--tls-key", sc.KeyFile}
	if clientCA != nil {
		args = append(args, "--client-ca", clientCA.File)
	}
	return args
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
