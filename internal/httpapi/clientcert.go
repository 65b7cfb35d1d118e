package httpapi

import (
	"context"
	"crypto/x509"
	"net/http"
)

type clientCertKey struct{}

// WithClientCertificates is r carrying chain as the caller's certificates:
// for the middleware that reads the one a trusted TLS-terminating proxy
// forwards.
func WithClientCertificates(r *http.Request, chain []*x509.Certificate) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientCertKey{}, chain))
}

// ClientCertificates is the caller's TLS client certificate chain, leaf
// first, as presented and not verified (each certificate-based client
// authentication method decides what to check): the one a trusted proxy
// forwarded, else the connection's own; nil without one.
func ClientCertificates(r *http.Request) []*x509.Certificate {
	if chain, ok := r.Context().Value(clientCertKey{}).([]*x509.Certificate); ok {
		return chain
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return r.TLS.PeerCertificates
	}
	return nil
}
