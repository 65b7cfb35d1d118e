package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/registrar-dev/registrar/internal/devtools"
)

// The register-obuk workload measures an Open Banking UK registration in a
// workspace of that profile ("obuk"): a directory's PS256 statement in a
// PS256-signed body, with the transport certificate checked against the
// client CA. The certificate reaches the server as a TLS-terminating
// proxy forwards it (client_cert_header, from a trusted proxy), so that
// the figure compares with "register" over the same plain listener: a TLS
// listener would add its handshake to both.

const (
	obukDirectory  = "bench-ob-directory"
	obukSoftwareID = "bench-ob-app"
	obukAudience   = "bench-bank"
	obukCertHeader = "X-SSL-Client-Cert"
	obukCAFile     = "bench-client-ca.pem"
)

// openBanking holds the directory's and the software's keys, the
// statement, the client CA and the transport certificate, forwarded as
// the base64 of its DER (as HAProxy's ssl_c_der sends it).
type openBanking struct {
	directory, software devtools.Key
	statement           string
	caPEM               []byte
	transport           string
}

func newOpenBanking() (*openBanking, error) {
	ob := &openBanking{}
	var softwareJWKS []byte
	var err error
	if ob.directory, ob.software, softwareJWKS, err = directoryAndSoftware("PS256", "bench-ob-directory-1", "bench-ob-app-1"); err != nil {
		return nil, err
	}
	claims := devtools.Claims{"software_id": obukSoftwareID, "software_client_name": "bench TPP",
		"software_jwks": json.RawMessage(softwareJWKS), "software_roles": []string{"AISP"}, "org_id": "bench-org"}
	if ob.statement, err = devtools.Statement(ob.directory, obukDirectory, claims, time.Now(), 24*time.Hour); err != nil {
		return nil, err
	}
	ob.caPEM, ob.transport, err = transportCertificate()
	return ob, err
}

// transportCertificate makes a throw-away client CA (as PEM) and a
// client certificate it issued (as the base64 of its DER).
func transportCertificate() (caPEM []byte, leaf string, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench client CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		return nil, "", err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: obukSoftwareID, Organization: []string{"bench-org"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, tmpl, ca, leafKey.Public(), caKey)
	if err != nil {
		return nil, "", err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), base64.StdEncoding.EncodeToString(leafDER), nil
}

// serverConfig are the top-level settings the workload needs: the client
// CA (a file in the target's folder) and the loopback load generator as
// the trusted proxy that forwards the certificate.
func (ob *openBanking) serverConfig() string {
	return fmt.Sprintf("client_ca: %s\ntrusted_proxies: [127.0.0.1]\nclient_cert_header: %s\n", obukCAFile, obukCertHeader)
}

// workspaceYAML declares the "obuk" workspace: profile openbanking_uk,
// trusting the bench's directory.
func (ob *openBanking) workspaceYAML() (string, error) {
	directoryJWKS, err := ob.directory.PublicJWKS()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`  - name: obuk
    profile: openbanking_uk
    registration:
      audiences: [%s]
      software_statement:
        max_age: 24h
        issuers:
          - issuer: %s
            algs: [PS256]
            jwks: %s
`, obukAudience, obukDirectory, directoryJWKS), nil
}

// registration is one registration request of the workload.
func (ob *openBanking) registration(base string) devtools.Registration {
	return devtools.Registration{
		Endpoint: base + "/obuk/openbankinguk/dcr/v3.3/register",
		Metadata: devtools.Claims{"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "private_key_jwt",
			"scope": "accounts"},
		Statement: ob.statement, SignWith: &ob.software, Iss: obukSoftwareID, Aud: obukAudience,
		Now: time.Now(),
	}
}

// registerStep registers a client per request, each with its own signed
// body made before the measurement and the transport certificate: the
// plain counterpart is "register".
func (ob *openBanking) registerStep(f *fixture) func(int) (Step, error) {
	return presignedRegisterStep(f, ob.registration, obukCertHeader, ob.transport)
}
