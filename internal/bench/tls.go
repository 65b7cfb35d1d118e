package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The TLS workloads run against a second server, started only when one of
// them is selected, that serves HTTPS with a throw-away CA made here: the
// other workloads keep measuring plain HTTP, as they always have, and the
// two TLS workloads share one listener, so their ratio is the cost of
// tls_client_auth over client_secret_basic alone.

// benchTPP is the subject of the tls_client_auth client's certificate.
const benchTPP = "CN=bench-tpp,O=Registrar bench,C=GB"

// tlsFixture is the TLS server and what its workloads present.
type tlsFixture struct {
	t *target
	// basic is a client_secret_basic client; mtlsID a tls_client_auth one.
	basic  credentials
	mtlsID string
	// iat registers clients in the default workspace (register-tls).
	iat string
	// roots trust the server's certificate; clientCert is the mtls
	// client's.
	roots      *x509.CertPool
	clientCert tls.Certificate
}

// pki is the throw-away CA and the certificates it issued.
type pki struct {
	ca                 *x509.Certificate
	caKey              *ecdsa.PrivateKey
	server, clientCert tls.Certificate
}

func newPKI() (*pki, error) {
	p := &pki{}
	var err error
	if p.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Registrar bench CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	if p.ca, err = p.issue(ca, &p.caKey.PublicKey, p.caKey, ca); err != nil {
		return nil, err
	}
	server := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if p.server, err = p.leaf(server); err != nil {
		return nil, err
	}
	client := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "bench-tpp", Organization: []string{"Registrar bench"}, Country: []string{"GB"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	p.clientCert, err = p.leaf(client)
	return p, err
}

// leaf issues tmpl, valid for a day, to a new P-256 key.
func (p *pki) leaf(tmpl *x509.Certificate) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	cert, err := p.issue(tmpl, &key.PublicKey, p.caKey, p.ca)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw, p.ca.Raw}, PrivateKey: key, Leaf: cert}, nil
}

func (p *pki) issue(tmpl *x509.Certificate, pub any, key *ecdsa.PrivateKey, parent *x509.Certificate) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// writeFiles writes the server's certificate and key and the client CA
// where serve reads them, and returns its flags.
func (p *pki) writeFiles(dir string) ([]string, error) {
	key, err := x509.MarshalPKCS8PrivateKey(p.server.PrivateKey)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name, kind string
		der        [][]byte
	}{
		{"server.pem", "CERTIFICATE", p.server.Certificate},
		{"server-key.pem", "PRIVATE KEY", [][]byte{key}},
		{"client-ca.pem", "CERTIFICATE", [][]byte{p.ca.Raw}},
	}
	for _, f := range files {
		var out []byte
		for _, der := range f.der {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: der})...)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), out, 0o600); err != nil {
			return nil, err
		}
	}
	return []string{"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server-key.pem"),
		"--client-ca", filepath.Join(dir, "client-ca.pem")}, nil
}

// startTLS starts the TLS server with its clients and the workspaces in
// moreWorkspaces, on a temporary SQLite store of its own: sharing the
// bench's database would have two configurations provision one store.
// Its client_credentials JWTs write nothing, so the store matters little
// to these two.
func startTLS(binary, moreWorkspaces string) (*tlsFixture, error) {
	t, err := newTarget(binary, "", moreWorkspaces)
	if err != nil {
		return nil, err
	}
	f, err := provisionTLS(t)
	if err != nil {
		// No one else holds t: its directory (certificates, store, key)
		// would be left behind.
		t.stop()
		return nil, err
	}
	return f, nil
}

// provisionTLS makes the TLS server's certificates and clients in t's
// directory and starts it.
func provisionTLS(t *target) (*tlsFixture, error) {
	p, err := newPKI()
	if err != nil {
		return nil, err
	}
	f := &tlsFixture{t: t, roots: x509.NewCertPool(), clientCert: p.clientCert}
	f.roots.AddCert(p.ca)
	args, err := p.writeFiles(t.dir)
	if err != nil {
		return nil, err
	}
	if f.basic, err = t.createClient("default"); err != nil {
		return nil, err
	}
	if f.iat, err = t.createIAT("default"); err != nil {
		return nil, err
	}
	var mtls credentials
	if err := t.cliJSON(&mtls, "client", "create", "--workspace", "default", "--grant-type", "client_credentials", "--scope", "dcr",
		"--auth-method", "tls_client_auth", "--tls-subject-dn", benchTPP, "--json"); err != nil {
		return nil, err
	}
	f.mtlsID = mtls.ID
	t.probe = &http.Client{Transport: &http.Transport{TLSClientConfig: f.config(false)}, Timeout: 2 * time.Second}
	if err := t.start(args...); err != nil {
		return nil, fmt.Errorf("TLS server: %w", err)
	}
	return f, nil
}

// config is the TLS configuration of the workloads' connections: trusting
// the bench CA, presenting the client certificate when withCert.
func (f *tlsFixture) config(withCert bool) *tls.Config {
	cfg := &tls.Config{RootCAs: f.roots, MinVersion: tls.VersionTLS12}
	if withCert {
		cfg.Certificates = []tls.Certificate{f.clientCert}
	}
	return cfg
}

// tlsFixture starts the TLS server the first time a TLS workload asks.
func (f *fixture) tlsFixture() (*tlsFixture, error) {
	if f.tls == nil && f.tlsErr == nil {
		f.tls, f.tlsErr = startTLS(f.t.binary, f.tlsWorkspaces)
	}
	return f.tls, f.tlsErr
}

// stop ends the TLS server, if one was started.
func (f *fixture) stopTLS() {
	if f.tls != nil {
		f.tls.t.stop()
	}
}

// tlsTokenStep asks the TLS server for client_credentials tokens, each
// worker on one kept-alive connection (one handshake), as auth says:
// client_secret_basic, or the certificate and the client_id.
func tlsTokenStep(f *fixture, withCert bool) func(int) (Step, error) {
	return func(int) (Step, error) {
		tf, err := f.tlsFixture()
		if err != nil {
			return nil, err
		}
		u, cfg := tf.t.base+"/default/oauth2/token", tf.config(withCert)
		body, auth := "grant_type=client_credentials&scope=dcr", tf.basic.basic()
		if withCert {
			body, auth = body+"&client_id="+tf.mtlsID, ""
		}
		return func(ctx context.Context, c *http.Client) error {
			_, err := send(withTLS(ctx, cfg), c, http.MethodPost, u, form, body, auth, 200)
			return err
		}, nil
	}
}

// tlsRegisterStep registers a client per request on the TLS server, as
// "register" does on the plain one: the counterpart of register-obuk.
func tlsRegisterStep(f *fixture) func(int) (Step, error) {
	return func(int) (Step, error) {
		tf, err := f.tlsFixture()
		if err != nil {
			return nil, err
		}
		u, cfg := tf.t.base+"/default/oauth2/register", tf.config(false)
		return func(ctx context.Context, c *http.Client) error {
			_, err := send(withTLS(ctx, cfg), c, http.MethodPost, u, "application/json", registerBody, "Bearer "+tf.iat, 201)
			return err
		}, nil
	}
}

type tlsConfigKey struct{}

// withTLS has connTransport dial https with cfg for requests of ctx.
func withTLS(ctx context.Context, cfg *tls.Config) context.Context {
	return context.WithValue(ctx, tlsConfigKey{}, cfg)
}

func tlsConfigOf(ctx context.Context) *tls.Config {
	cfg, _ := ctx.Value(tlsConfigKey{}).(*tls.Config)
	return cfg
}
