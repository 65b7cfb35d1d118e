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

// ClientCertificatesOf is ClientCertificates for code that has only the
// request's context, such as a service checking that a certificate-bound
// token (RFC 8705 §3) comes with its certificate: what
// CarryClientCertificates or ForwardedClientCertificate put there.
func ClientCertificatesOf(ctx context.Context) []*x509.Certificate {
	chain, _ := ctx.Value(clientCertKey{}).([]*x509.Certificate)
	return chain
}

// CarryClientCertificates puts the connection's certificate chain in the
// request's context, for ClientCertificatesOf, unless a trusted proxy's
// is there already (ForwardedClientCertificate, which must wrap it).
func CarryClientCertificates(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, forwarded := r.Context().Value(clientCertKey{}).([]*x509.Certificate); !forwarded && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			r = WithClientCertificates(r, r.TLS.PeerCertificates)
		}
		next.ServeHTTP(w, r)
	})
}
