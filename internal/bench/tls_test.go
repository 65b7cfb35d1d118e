package bench

import (
	"crypto/x509"
	"testing"

	"github.com/registrar-dev/registrar/internal/dn"
)

// The bench's certificates do what the TLS workloads need: the server's
// verifies for 127.0.0.1, the client's chains to the client CA for client
// authentication and carries the subject the mtls client registers.
func TestBenchPKI(t *testing.T) {
	p, err := newPKI()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	if _, err := p.server.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Fatalf("server certificate: %v", err)
	}
	client := p.clientCert.Leaf
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("client certificate: %v", err)
	}
	want, _ := dn.Parse(benchTPP)
	got, _ := dn.FromCertificate(client.RawSubject)
	if !want.Equal(got) {
		t.Fatalf("client subject %s, registered %s", got, benchTPP)
	}
	r := ratios([]Result{{Name: "cc-basic-tls", PerSecond: 1000}, {Name: "cc-tls-client-auth", PerSecond: 800}})
	if len(r) != 1 || r[0].Counterpart != "cc-basic-tls" || r[0].Ratio != 0.8 {
		t.Fatalf("ratios %+v; want cc-tls-client-auth at 0.8 of cc-basic-tls", r)
	}
}
