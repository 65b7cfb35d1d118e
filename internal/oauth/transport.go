package oauth

import "crypto/x509"

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
