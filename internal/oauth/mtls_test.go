package oauth

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

type testIssuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newIssuer(t *testing.T, name string) testIssuer {
	t.Helper()
	cert, key := certtest.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: name},
		NotBefore: authNow.Add(-time.Hour), NotAfter: authNow.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true})
	return testIssuer{cert, key}
}

func (ca testIssuer) issue(t *testing.T, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(2)
	tmpl.NotBefore, tmpl.NotAfter = authNow.Add(-time.Minute), authNow.Add(10*time.Minute)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return certtest.Sign(t, tmpl, ca.cert, &certtest.Key(t).PublicKey, ca.key)
}

// switchableCAs is a client CA pool that a test reloads.
type switchableCAs struct {
	pool       *x509.CertPool
	generation uint64
}

func (s *switchableCAs) ClientCAs() (*x509.CertPool, uint64) { return s.pool, s.generation }

func (s *switchableCAs) load(ca testIssuer) {
	s.pool = x509.NewCertPool()
	s.pool.AddCert(ca.cert)
	s.generation++
}

// A chain verified once is taken from memory, but never past a CA reload
// or the certificate's expiry.
func TestChainCheckRemembersNoLongerThanItHolds(t *testing.T) {
	a, b := newIssuer(t, "A"), newIssuer(t, "B")
	leaf := a.issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "tpp"}})
	cas := &switchableCAs{}
	cas.load(a)
	check := newChainCheck(cas)
	chain := []*x509.Certificate{leaf}
	if err := check.verify(chain, authNow); err != nil {
		t.Fatalf("a chain to the CA: %v", err)
	}
	if err := check.verify(chain, authNow); err != nil {
		t.Fatalf("the same chain again: %v", err)
	}
	if err := check.verify(chain, authNow.Add(11*time.Minute)); err == nil {
		t.Fatal("a remembered chain was accepted past its certificate's expiry")
	}
	cas.load(b)
	if err := check.verify(chain, authNow); err == nil {
		t.Fatal("a chain remembered under the old client CA was accepted after a reload")
	}
	var oe *oautherr.Error
	if err := newChainCheck(&switchableCAs{}).verify(chain, authNow); !errors.As(err, &oe) || oe.Code != oautherr.InvalidClient {
		t.Fatalf("no client CA: %v, want invalid_client", err)
	}
}

func TestCertificateNames(t *testing.T) {
	ca := newIssuer(t, "A")
	u, _ := url.Parse("spiffe://bank/tpp")
	cert := ca.issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "tpp", Organization: []string{"Bank"}, Country: []string{"GB"}},
		DNSNames: []string{"tpp.example"}, URIs: []*url.URL{u}, IPAddresses: []net.IP{net.ParseIP("192.0.2.7")},
		EmailAddresses: []string{"ops@tpp.example"},
	})
	cases := []struct {
		md   client.Metadata
		want bool
	}{
		{client.Metadata{TLSClientAuthSubjectDN: "CN=tpp,O=Bank,C=GB"}, true},
		{client.Metadata{TLSClientAuthSubjectDN: "cn=TPP, o=bank, c=gb"}, true},
		{client.Metadata{TLSClientAuthSubjectDN: "O=Bank,CN=tpp,C=GB"}, false},
		{client.Metadata{TLSClientAuthSubjectDN: "CN=tpp,O=Bank,C=FR"}, false},
		{client.Metadata{TLSClientAuthSANDNS: "TPP.example"}, true},
		{client.Metadata{TLSClientAuthSANDNS: "tpp.example.com"}, false},
		{client.Metadata{TLSClientAuthSANURI: "spiffe://bank/tpp"}, true},
		{client.Metadata{TLSClientAuthSANURI: "spiffe://bank/tpp/"}, false},
		{client.Metadata{TLSClientAuthSANIP: "::ffff:192.0.2.7"}, true},
		{client.Metadata{TLSClientAuthSANIP: "192.0.2.8"}, false},
		{client.Metadata{TLSClientAuthSANEmail: "ops@TPP.EXAMPLE"}, true},
		{client.Metadata{TLSClientAuthSANEmail: "OPS@tpp.example"}, false},
		{client.Metadata{}, false},
	}
	for _, tc := range cases {
		if got := certificateNames(cert, tc.md); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.md, got, tc.want)
		}
	}
}

func TestCertificateThumbprint(t *testing.T) {
	cert := newIssuer(t, "A").cert
	sum := sha256.Sum256(cert.Raw)
	if got, want := CertificateThumbprint(cert), base64.RawURLEncoding.EncodeToString(sum[:]); got != want || len(got) != 43 {
		t.Fatalf("thumbprint %q, want %q", got, want)
	}
}

// countingCAs counts how often a chain is checked against it.
type countingCAs struct {
	switchableCAs
	asked int
}

func (c *countingCAs) ClientCAs() (*x509.CertPool, uint64) {
	c.asked++
	return c.switchableCAs.ClientCAs()
}

// A certificate naming a client that does not exist costs a chain check,
// as one naming a tls_client_auth client does: the refusal's time does
// not tell the two apart.
func TestUnknownClientsCertificateIsChecked(t *testing.T) {
	ca := newIssuer(t, "A")
	cas := &countingCAs{}
	cas.load(ca)
	a := clientAuth{secrets: secret.NewHasher(make([]byte, 32)), now: authNow, chains: newChainCheck(cas)}
	ev := ClientEvidence{ClientID: "nobody", Certificates: []*x509.Certificate{ca.issue(t, &x509.Certificate{})}}
	if _, err := a.authenticate(client.Client{}, store.ErrNotFound, ev); err == nil {
		t.Fatal("an unknown client authenticated")
	}
	if cas.asked != 1 {
		t.Fatalf("the certificate of an unknown client was checked %d times, want 1", cas.asked)
	}
}
