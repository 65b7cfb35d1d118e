package client

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/registrar-dev/registrar/internal/dn"
)

// tlsClientAuthNames are the metadata a tls_client_auth client names its
// certificate by (RFC 8705 §2.1.2), of which it registers exactly one.
func tlsClientAuthNames(md *Metadata) []struct{ name, value string } {
	return []struct{ name, value string }{
		{"tls_client_auth_subject_dn", md.TLSClientAuthSubjectDN},
		{"tls_client_auth_san_dns", md.TLSClientAuthSANDNS},
		{"tls_client_auth_san_uri", md.TLSClientAuthSANURI},
		{"tls_client_auth_san_ip", md.TLSClientAuthSANIP},
		{"tls_client_auth_san_email", md.TLSClientAuthSANEmail},
	}
}

// checkTLSClientAuth: a tls_client_auth client registers exactly one name
// for its certificate, well formed, and no other client registers any
// (it would promise a check that never runs); a
// self_signed_tls_client_auth client registers the keys its certificate
// must hold (RFC 8705 §2.2.2).
func checkTLSClientAuth(md *Metadata, _ Policy) error {
	method := md.AuthMethod()
	var set []string
	for _, n := range tlsClientAuthNames(md) {
		if n.value == "" {
			continue
		}
		if method != AuthTLSClientAuth {
			return metaErr("%s: only tls_client_auth clients use it; this client is registered for %s", n.name, method)
		}
		if err := checkCertificateName(n.name, n.value); err != nil {
			return err
		}
		set = append(set, n.name)
	}
	switch {
	case method == AuthTLSClientAuth && len(set) != 1:
		return metaErr("token_endpoint_auth_method: tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email (RFC 8705 §2.1.2); got %d", len(set))
	case method == AuthSelfSignedTLSClientAuth && len(md.JWKS) == 0 && md.JWKSURI == "":
		return metaErr("token_endpoint_auth_method: self_signed_tls_client_auth needs the certificate's public key in jwks or jwks_uri (RFC 8705 §2.2.2)")
	}
	return nil
}

// checkCertificateName checks the form of a tls_client_auth_* value, so
// that what is registered can ever match a certificate.
func checkCertificateName(name, value string) error {
	if len(value) > maxURILen {
		return metaErr("%s: longer than %d characters", name, maxURILen)
	}
	var ok bool
	switch name {
	case "tls_client_auth_subject_dn":
		if _, err := dn.Parse(value); err != nil {
			return metaErr("%s: %q is not an RFC 4514 distinguished name: %v", name, value, err)
		}
		ok = true
	case "tls_client_auth_san_dns":
		ok = !strings.ContainsAny(value, " /@:") && strings.Trim(value, ".") != ""
	case "tls_client_auth_san_uri":
		u, err := url.Parse(value)
		ok = err == nil && u.IsAbs()
	case "tls_client_auth_san_ip":
		_, err := netip.ParseAddr(value)
		ok = err == nil
	case "tls_client_auth_san_email":
		local, domain, found := strings.Cut(value, "@")
		ok = found && local != "" && domain != "" && !strings.ContainsAny(value, " ")
	}
	if !ok {
		return metaErr("%s: %q is not a valid value", name, value)
	}
	return nil
}
