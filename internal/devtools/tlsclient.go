package devtools

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// TLSFiles are the PEM files of a client's TLS identity, all optional:
// Cert and Key, the certificate (chain) presented to the server, as a
// mutual-TLS client or an Open Banking transport certificate; CA, the
// authorities the server's certificate is checked against instead of the
// system's.
type TLSFiles struct {
	Cert, Key, CA string
}

// HTTPClient is a client presenting f's certificate and trusting f's CA.
func (f TLSFiles) HTTPClient(timeout time.Duration) (*http.Client, error) {
	if (f.Cert == "") != (f.Key == "") {
		return nil, errors.New("--cert and --key go together")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.Cert != "" {
		pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("--cert/--key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if f.CA != "" {
		raw, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(raw) {
			return nil, fmt.Errorf("--ca: %s holds no PEM certificate", f.CA)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Timeout: timeout, Transport: tr}, nil
}
