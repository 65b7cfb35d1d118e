package oauth

import (
	"crypto/x509"

	"github.com/registrar-dev/registrar/internal/client"
)

// VerifyClientChain checks a caller's certificate chain (leaf first) as
// tls_client_auth does: it chains to the client CAs and is valid now for
// client authentication. Open Banking UK registration checks the
// transport certificate with it.
func (s *Service) VerifyClientChain(chain []*x509.Certificate) error {
	if len(chain) == 0 {
		return errCertificate("is missing")
	}
	return s.chainCheck().verify(chain, s.Time())
}

// CertificateNamesClient reports whether cert carries the one name a
// tls_client_auth client registered (its subject DN, compared as a name,
// or a subject alternative name), as the token endpoint checks it.
func CertificateNamesClient(cert *x509.Certificate, md client.Metadata) bool {
	return certificateNames(cert, md)
}
