package e2e

import (
	"net/url"
	"testing"
)

// A TLS node serves discovery to callers without a certificate, names an
// https issuer, and sees the certificate a caller presents.
func TestServeTLS(t *testing.T) {
	ca := newTestCA(t, "Client CA")
	n := startNode(t, nodeOpts{TLS: true, ClientCA: ca})
	r := get(t, n.Base+"/default/.well-known/openid-configuration")
	if r.Status != 200 {
		t.Fatalf("discovery without a certificate: %d %s", r.Status, r.Body)
	}
	if iss := r.JSON(t)["issuer"]; iss != n.Base+"/default" {
		t.Fatalf("issuer %v, want %s/default", iss, n.Base)
	}
	cert := ca.clientCert(t, certOpts{Subject: dn("CN", "tpp", "O", "Bank")})
	id, secret := n.bootstrap()
	r = postFormCert(t, cert, n.Base+"/default/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "Authorization", basicAuth(id, secret))
	if r.Status != 200 {
		t.Fatalf("token over TLS with a certificate: %d %s", r.Status, r.Body)
	}
}
