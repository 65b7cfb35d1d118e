package httpapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

func selfSigned(t testing.TB, cn string) *x509.Certificate {
	t.Helper()
	cert, _ := certtest.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: cn}})
	return cert
}

func pemOf(certs ...*x509.Certificate) string {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(b)
}

// escapedPEM is PEM escaped as nginx's $ssl_client_escaped_cert is: a
// space as %20, base64's '+' and '/' kept or escaped alike.
func escapedPEM(certs ...*x509.Certificate) string { return url.PathEscape(pemOf(certs...)) }

// The header is read from a trusted proxy only; from anyone else it is
// dropped, and the request keeps no certificate it did not present.
func TestForwardedClientCertificate(t *testing.T) {
	leaf, issuer := selfSigned(t, "leaf"), selfSigned(t, "issuer")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	var seen []*x509.Certificate
	var headerSeen string
	h := ForwardedClientCertificate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, headerSeen = ClientCertificates(r), r.Header.Get("X-SSL-Client-Cert")
	}), "X-SSL-Client-Cert", trusted)
	cases := []struct {
		name, peer, header string
		want               int // certificates seen
	}{
		{"trusted proxy, escaped PEM chain", "10.1.2.3:4000", escapedPEM(leaf, issuer), 2},
		{"trusted proxy, form-escaped PEM", "10.1.2.3:4000", url.QueryEscape(pemOf(leaf)), 1},
		{"trusted proxy, base64 DER", "10.1.2.3:4000", base64.StdEncoding.EncodeToString(leaf.Raw), 1},
		{"trusted proxy, no header", "10.1.2.3:4000", "", 0},
		{"trusted proxy, garbage", "10.1.2.3:4000", "-----BEGIN%20CERTIFICATE-----nope", 0},
		{"untrusted peer", "192.0.2.1:4000", escapedPEM(leaf), 0},
	}
	for _, tc := range cases {
		seen, headerSeen = nil, ""
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.header != "" {
			r.Header.Set("X-SSL-Client-Cert", tc.header)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if len(seen) != tc.want {
			t.Errorf("%s: %d certificates seen, want %d", tc.name, len(seen), tc.want)
		}
		if tc.want > 0 && len(seen) > 0 && !seen[0].Equal(leaf) {
			t.Errorf("%s: the leaf is not first", tc.name)
		}
		if tc.peer == "192.0.2.1:4000" && headerSeen != "" {
			t.Errorf("%s: the header reached the handler", tc.name)
		}
	}
}

func FuzzParseForwardedCertificate(f *testing.F) {
	f.Add(escapedPEM(selfSigned(f, "x")))
	f.Add("%ZZ")
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	f.Fuzz(func(t *testing.T, v string) {
		chain, err := ParseForwardedCertificate(v)
		if err == nil && len(chain) == 0 {
			t.Fatal("no error and no certificate")
		}
	})
}

// The connection's certificate reaches the context, for services that have
// only it; a trusted proxy's forwarded one (or its absence) stands.
func TestCarryClientCertificates(t *testing.T) {
	own, forwarded := selfSigned(t, "own"), selfSigned(t, "forwarded")
	var seen []*x509.Certificate
	h := CarryClientCertificates(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = ClientCertificatesOf(r.Context())
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{own}}
	h.ServeHTTP(httptest.NewRecorder(), r)
	if len(seen) != 1 || !seen[0].Equal(own) {
		t.Fatalf("the connection's certificate is not in the context: %v", seen)
	}
	for _, chain := range [][]*x509.Certificate{{forwarded}, nil} {
		h.ServeHTTP(httptest.NewRecorder(), WithClientCertificates(r, chain))
		if len(seen) != len(chain) || (len(chain) > 0 && !seen[0].Equal(forwarded)) {
			t.Fatalf("a forwarded chain %v was replaced by %v", chain, seen)
		}
	}
}

// TestUntrustedCertificateHeaderIsNoted: a header from an address not in
// trusted_proxies (a proxy left out, or a stranger) is logged, once for
// many requests, so a misconfigured proxy is found.
func TestUntrustedCertificateHeaderIsNoted(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := ForwardedClientCertificate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		"X-SSL-Client-Cert", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for range 3 {
		r := httptest.NewRequest("POST", "/", nil)
		r = r.WithContext(context.WithValue(r.Context(), loggerKey, log))
		r.RemoteAddr = "192.0.2.1:4000"
		r.Header.Set("X-SSL-Client-Cert", escapedPEM(selfSigned(t, "x")))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if n := strings.Count(logs.String(), "not in trusted_proxies"); n != 1 {
		t.Fatalf("%d notes for three requests, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "192.0.2.1") {
		t.Errorf("the note does not name the peer: %s", logs.String())
	}
}
