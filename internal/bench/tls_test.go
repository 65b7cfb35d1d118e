package bench

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
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

// A TLS server that fails before it serves leaves no temporary directory
// behind, whether its init or its provisioning fails. The binary is a
// stand-in that fails where each case says.
func TestStartTLSRemovesItsDirectoryOnFailure(t *testing.T) {
	for _, c := range []struct{ name, script string }{
		{"init fails", `echo "init refused" >&2; exit 1`},
		{"client create fails", `[ "$1" = init ] && exit 0; echo "refused" >&2; exit 1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp, bin := t.TempDir(), filepath.Join(t.TempDir(), "registrar")
			if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+c.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("TMPDIR", tmp) // where the bench makes its directories
			if f, err := startTLS(bin, ""); err == nil {
				f.t.stop()
				t.Fatal("started with a binary that fails")
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left behind in %s: %v", tmp, left)
			}
		})
	}
}

// A server that exits as it starts is reported at once, with what it
// said, rather than after the whole wait for it to become ready.
func TestStartReportsAServerThatExits(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "registrar")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho \"serve: the store is locked\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tg := &target{binary: bin, dir: t.TempDir(), borrowsDir: true}
	err := tg.start()
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "the store is locked") {
		t.Fatalf("start of a server that exits: %v; want it said to have exited, with its message", err)
	}
}
