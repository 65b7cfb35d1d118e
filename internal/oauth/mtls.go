package oauth

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/dn"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/memo"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// CertificateThumbprint is the x5t#S256 of cert: the base64url SHA-256 of
// its DER (RFC 8705 §3.1), which a bound token's cnf carries.
func CertificateThumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// presentedThumbprint is the thumbprint of the leaf certificate the
// caller presented, "" without one.
func presentedThumbprint(chain []*x509.Certificate) string {
	if len(chain) == 0 {
		return ""
	}
	return CertificateThumbprint(chain[0])
}

// ClientCAs is where the certificates of tls_client_auth clients must
// chain to (certfile.Set): the pool, nil when none is configured, and a
// generation that changes whenever the pool does.
type ClientCAs interface {
	ClientCAs() (*x509.CertPool, uint64)
}

// errCertificate is a refused client certificate: invalid_client, as any
// failed client authentication (RFC 8705 §2).
func errCertificate(why string) error {
	return errInvalidClient("client authentication failed: the client certificate %s", why)
}

// tlsClientAuth is tls_client_auth (RFC 8705 §2.1): a certificate that
// chains to the client CAs and names the client as it registered, by
// exactly one of its subject DN or a subject alternative name.
type tlsClientAuth struct{}

func (tlsClientAuth) presented(ev ClientEvidence) bool {
	return ev.identifiesOnly() && len(ev.Certificates) > 0
}

func (tlsClientAuth) verify(a clientAuth, cl client.Client, ev ClientEvidence) error {
	if err := a.chains.verify(ev.Certificates, a.now); err != nil {
		return err
	}
	if !certificateNames(ev.Certificates[0], cl.Metadata) {
		return errCertificate("does not name the client as it registered (tls_client_auth_subject_dn or tls_client_auth_san_*)")
	}
	return nil
}

// certificateNames reports whether cert carries the one name md
// registered. A DN is compared as a name, attribute by attribute; a DNS
// name and an email's domain without regard to case, as DNS does.
func certificateNames(cert *x509.Certificate, md client.Metadata) bool {
	switch {
	case md.TLSClientAuthSubjectDN != "":
		want, err := dn.Parse(md.TLSClientAuthSubjectDN)
		got, gerr := dn.FromCertificate(cert.RawSubject)
		return err == nil && gerr == nil && want.Equal(got)
	case md.TLSClientAuthSANDNS != "":
		return slices.ContainsFunc(cert.DNSNames, func(n string) bool { return strings.EqualFold(n, md.TLSClientAuthSANDNS) })
	case md.TLSClientAuthSANURI != "":
		return slices.ContainsFunc(cert.URIs, func(u *url.URL) bool { return u.String() == md.TLSClientAuthSANURI })
	case md.TLSClientAuthSANIP != "":
		want, err := netip.ParseAddr(md.TLSClientAuthSANIP)
		return err == nil && slices.ContainsFunc(cert.IPAddresses, func(ip net.IP) bool {
			got, ok := netip.AddrFromSlice(ip)
			return ok && got.Unmap() == want.Unmap()
		})
	case md.TLSClientAuthSANEmail != "":
		return slices.ContainsFunc(cert.EmailAddresses, func(e string) bool { return sameEmail(e, md.TLSClientAuthSANEmail) })
	}
	return false
}

// sameEmail: the local part exactly, the domain without regard to case
// (RFC 5280 §7.5).
func sameEmail(a, b string) bool {
	al, ad, aok := strings.Cut(a, "@")
	bl, bd, bok := strings.Cut(b, "@")
	return aok && bok && al == bl && strings.EqualFold(ad, bd)
}

// chainCheck verifies presented chains against the client CAs. A chain
// verified is remembered, by the hash of the certificates presented and
// the CAs' generation, until the first of them expires: verifying costs
// a signature check per certificate, which would otherwise be paid again
// on every request of a kept-alive connection. A CA reload is a new
// generation, so nothing verified under the old pool is taken for the
// new.
type chainCheck struct {
	cas      ClientCAs
	verified *memo.Map[[sha256.Size]byte, time.Time]
}

func newChainCheck(cas ClientCAs) *chainCheck {
	return &chainCheck{cas: cas, verified: memo.New[[sha256.Size]byte, time.Time](4096)}
}

func (c *chainCheck) verify(chain []*x509.Certificate, now time.Time) error {
	var pool *x509.CertPool
	var generation uint64
	if c != nil && c.cas != nil {
		pool, generation = c.cas.ClientCAs()
	}
	if pool == nil {
		return errCertificate("cannot be checked: this server trusts no client CA (client_ca)")
	}
	key := chainKey(chain, generation)
	if until, ok := c.verified.Get(key); ok && now.Before(until) {
		return nil
	}
	intermediates := x509.NewCertPool()
	for _, cert := range chain[1:] {
		intermediates.AddCert(cert)
	}
	chains, err := chain[0].Verify(x509.VerifyOptions{
		Roots: pool, Intermediates: intermediates, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return errCertificate("does not chain to a trusted client CA, or is not valid now for client authentication")
	}
	c.verified.Put(key, firstExpiry(chains[0]))
	return nil
}

func chainKey(chain []*x509.Certificate, generation uint64) [sha256.Size]byte {
	h := sha256.New()
	var gen [8]byte
	for i := range gen {
		gen[i] = byte(generation >> (8 * i))
	}
	h.Write(gen[:])
	for _, cert := range chain {
		sum := sha256.Sum256(cert.Raw)
		h.Write(sum[:])
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}

func firstExpiry(chain []*x509.Certificate) time.Time {
	end := chain[0].NotAfter
	for _, cert := range chain[1:] {
		if cert.NotAfter.Before(end) {
			end = cert.NotAfter
		}
	}
	return end
}

// selfSignedTLSClientAuth is self_signed_tls_client_auth (RFC 8705 §2.2):
// no chain is checked; the certificate's public key must be one the client
// registered in its jwks or jwks_uri.
type selfSignedTLSClientAuth struct{}

func (selfSignedTLSClientAuth) presented(ev ClientEvidence) bool {
	return ev.identifiesOnly() && len(ev.Certificates) > 0
}

func (selfSignedTLSClientAuth) verify(a clientAuth, cl client.Client, ev ClientEvidence) error {
	keys, err := a.assertions.clientKeys(cl)
	if err != nil {
		return err
	}
	found, err := jose.HasPublicKey(a.assertions.ctx, keys, ev.Certificates[0].PublicKey)
	if err != nil {
		return err
	}
	if !found {
		return errCertificate("holds no key of the client's jwks or jwks_uri")
	}
	return nil
}

// requireBinding: a client registered for certificate-bound tokens gets
// none without a certificate to bind them to (RFC 8705 §3).
func requireBinding(cl client.Client, thumbprint string) error {
	if cl.Metadata.TLSClientCertificateBoundAccessToken && thumbprint == "" {
		return oautherr.InvalidRequestf("this client's tokens are bound to its TLS client certificate (tls_client_certificate_bound_access_tokens): present it")
	}
	return nil
}

// accessBinding is what a client's access tokens are bound to: the
// presented certificate when it registered for bound tokens, else nothing.
func accessBinding(cl client.Client, thumbprint string) string {
	if cl.Metadata.TLSClientCertificateBoundAccessToken {
		return thumbprint
	}
	return ""
}

// refreshBinding is what a new grant's refresh token is bound to: a public
// client's, to the certificate it presented (RFC 8705 §4), since nothing
// else proves it is the client that got it; a confidential client proves
// itself at every refresh, and may renew its certificate meanwhile.
func refreshBinding(cl client.Client, thumbprint string) string {
	if cl.Metadata.AuthMethod() == client.AuthNone {
		return thumbprint
	}
	return ""
}

// confirmation is a token's cnf (RFC 7800), holding the certificate
// thumbprint (RFC 8705 §3.1).
type confirmation struct {
	X5TS256 string `json:"x5t#S256"`
}

func confirmationOf(thumbprint string) *confirmation {
	if thumbprint == "" {
		return nil
	}
	return &confirmation{X5TS256: thumbprint}
}
