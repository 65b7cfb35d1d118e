package devtools

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

// writeSelfSigned writes a self-signed client certificate and its key as
// PEM files.
func writeSelfSigned(t *testing.T) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	cert, key := certtest.SelfSigned(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "tpp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	certtest.WritePEM(t, certFile, "CERTIFICATE", cert.Raw)
	certtest.WriteKey(t, keyFile, key)
	return certFile, keyFile, cert
}

// The client presents --cert and trusts --ca for the server.
func TestHTTPClientPresentsTheCertificate(t *testing.T) {
	certFile, keyFile, cert := writeSelfSigned(t)
	var presented []*x509.Certificate
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		presented = r.TLS.PeerCertificates
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)

	c, err := TLSFiles{Cert: certFile, Key: keyFile, CA: caFile}.HTTPClient(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(presented) != 1 || !presented[0].Equal(cert) {
		t.Fatalf("the server saw %d certificates, not the client's", len(presented))
	}
	if _, err := (TLSFiles{Cert: certFile}).HTTPClient(time.Second); err == nil {
		t.Fatal("--cert without --key accepted")
	}
}
