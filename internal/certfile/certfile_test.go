package certfile

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

func writePair(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	cert, key := certtest.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: cn}, NotAfter: time.Now().Add(time.Hour)})
	certtest.WritePEM(t, certFile, "CERTIFICATE", cert.Raw)
	certtest.WriteKey(t, keyFile, key)
}

// served is the certificate the next handshake would present, once the
// once-a-second check is due.
func served(t *testing.T, s *Set) string {
	t.Helper()
	s.cert.nextCheck.Store(0)
	c, err := s.ServerTLS().GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	return leaf.Subject.CommonName
}

func TestReloadsChangedFilesAndKeepsTheLastGoodOne(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	writePair(t, certFile, keyFile, "first")
	s, err := Open(certFile, keyFile, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := served(t, s); got != "first" {
		t.Fatalf("served %s", got)
	}
	writePair(t, certFile, keyFile, "second")
	if got := served(t, s); got != "second" {
		t.Fatalf("after a change, served %s, want second", got)
	}
	os.WriteFile(certFile, []byte("broken"), 0o600)
	if got := served(t, s); got != "second" {
		t.Fatalf("after a broken change, served %s, want the last good one", got)
	}
	if _, err := Open(certFile, keyFile, "", slog.Default()); err == nil {
		t.Fatal("a start with a broken certificate file succeeded")
	}
	if pool, gen := (*Set)(nil).ClientCAs(); pool != nil || gen != 0 {
		t.Fatal("no client CA configured, yet a pool")
	}
}
