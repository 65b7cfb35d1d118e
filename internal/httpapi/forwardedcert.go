package httpapi

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// ForwardedClientCertificate reads the caller's certificate from header,
// where a TLS-terminating proxy forwards it, for ClientCertificates to
// return. Only a trusted proxy's header is read, and from it the header is
// all there is: a request without it, or with one that does not parse
// (logged), has no certificate, whatever the proxy's own connection
// presented. From anyone else the header is removed and ignored, so no
// caller can name a certificate it does not hold. It must wrap
// ClientAddress, which replaces the peer's address with the caller's.
func ForwardedClientCertificate(next http.Handler, header string, trusted []netip.Prefix) http.Handler {
	if header == "" {
		return next
	}
	// A proxy left out of trusted_proxies sends the header on every
	// request, and a stranger may too: say so, but not on every request.
	untrustedNote := &rate.Sometimes{First: 1, Interval: time.Minute}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !trusts(trusted, peer.Addr()) {
			if r.Header.Get(header) != "" {
				untrustedNote.Do(func() {
					Logger(r.Context()).Warn("a client certificate header came from an address not in trusted_proxies; ignored (logged at most once a minute)",
						"header", header, "peer", r.RemoteAddr)
				})
			}
			r.Header.Del(header)
			next.ServeHTTP(w, r)
			return
		}
		var chain []*x509.Certificate
		if v := r.Header.Get(header); v != "" {
			if chain, err = ParseForwardedCertificate(v); err != nil {
				Logger(r.Context()).Warn("a trusted proxy forwarded a client certificate that does not parse; taken as none", "header", header, "err", err)
				chain = nil
			}
		}
		next.ServeHTTP(w, WithClientCertificates(r, chain))
	})
}

// ParseForwardedCertificate reads a forwarded certificate chain, leaf
// first: URL-escaped PEM (nginx's $ssl_client_escaped_cert), plain PEM, or
// the base64 of one DER certificate (as HAProxy's ssl_c_der sends it).
func ParseForwardedCertificate(v string) ([]*x509.Certificate, error) {
	v = strings.TrimSpace(v)
	unescape := url.PathUnescape // nginx escapes a space as %20 and keeps base64's '+'
	if strings.Contains(v, "BEGIN+") {
		unescape = url.QueryUnescape // form-style escaping: a space is '+', a '+' is %2B
	}
	unescaped, err := unescape(v)
	if err != nil {
		return nil, errors.New("not URL-escaped")
	}
	if !strings.Contains(unescaped, "-----BEGIN") {
		der, err := base64.StdEncoding.DecodeString(unescaped)
		if err != nil {
			return nil, errors.New("neither PEM nor base64 DER")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{cert}, nil
	}
	var chain []*x509.Certificate
	rest := []byte(unescaped)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, errors.New("a PEM block that is not a CERTIFICATE")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		chain = append(chain, cert)
	}
	if len(chain) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return chain, nil
}
