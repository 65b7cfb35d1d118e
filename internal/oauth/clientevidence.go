package oauth

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// ClientEvidence is what a request carried to authenticate its client
// (RFC 6749 §2.3), read once by the handler. It says nothing about which
// method the client registered: the authenticator of that method decides
// whether the evidence is of its kind.
type ClientEvidence struct {
	// ClientID is the client the request names, from the Basic header or
	// else the body.
	ClientID string
	// Secret is the client secret: from the Basic header when Basic is
	// set, else client_secret from the body.
	Secret string
	// Basic says the client_id and secret came in an Authorization: Basic
	// header (RFC 6749 §2.3.1).
	Basic bool
	// Assertion is a client assertion (RFC 7521 §4.2).
	Assertion ClientAssertion
	// Certificates is the TLS client certificate chain, leaf first, for
	// certificate-based methods (RFC 8705 §2); no authenticator reads it
	// yet. The TLS layer asks for it without verifying it: an
	// authenticator must check the chain (or the key) itself.
	Certificates []*x509.Certificate
}

// ClientAssertion is the client_assertion_type and client_assertion pair
// (RFC 7521 §4.2).
type ClientAssertion struct {
	Type  string
	Value string
	// claims are Value's, decoded unverified when the evidence was read,
	// so that checking them does not decode them again; nil until then.
	claims *assertionClaims
}

// decoded returns the assertion's claims, unverified.
func (a ClientAssertion) decoded() (assertionClaims, error) {
	if a.claims != nil {
		return *a.claims, nil
	}
	return decodeAssertion(a.Value)
}

func (a ClientAssertion) present() bool { return a.Type != "" || a.Value != "" }

// identifiesOnly: the evidence names a client and proves nothing, as a
// public client's request does (method none).
func (ev ClientEvidence) identifiesOnly() bool {
	return !ev.Basic && ev.Secret == "" && !ev.Assertion.present()
}

// basicChallenge is sent with every 401 invalid_client (RFC 6749 §5.2,
// RFC 7235 §3.1: a 401 carries a challenge).
const basicChallenge = `Basic realm="registrar", charset="UTF-8"`

func errInvalidClient(format string, args ...any) *oautherr.Error {
	return oautherr.InvalidClientf(format, args...).WithChallenge(basicChallenge)
}

// readClientEvidence extracts the client's evidence from the Authorization
// header, the form and the TLS connection. RFC 6749 §2.3: a client MUST NOT
// use more than one authentication method in a request.
func readClientEvidence(r *http.Request, form httpapi.Form) (ClientEvidence, error) {
	ev := ClientEvidence{Assertion: ClientAssertion{Type: form.Get("client_assertion_type"), Value: form.Get("client_assertion")}}
	ev.Certificates = httpapi.ClientCertificates(r)
	if ev.Assertion.present() && !assertionsAccepted() {
		return ClientEvidence{}, errInvalidClient("client assertions are not supported by this server")
	}
	auth, err := httpapi.Authorization(r)
	if err != nil {
		return ClientEvidence{}, err
	}
	if ev.Assertion.present() {
		return evidenceInAssertion(ev, form, auth != "")
	}
	if auth == "" {
		return evidenceInBody(ev, form)
	}
	if ev.ClientID, ev.Secret, err = parseBasic(auth); err != nil {
		return ClientEvidence{}, err
	}
	ev.Basic = true
	if form.Get("client_secret") != "" {
		return ClientEvidence{}, oautherr.InvalidRequestf("client credentials were sent both in the Authorization header and in the body; use one method")
	}
	// FAPI 1 Part 1 §5.2.2-19 / RFC 7521 §4.2: one identity per request.
	if fid := form.Get("client_id"); fid != "" && fid != ev.ClientID {
		return ClientEvidence{}, errInvalidClient("client_id in the body differs from the authenticated client")
	}
	return ev, nil
}

// evidenceInAssertion reads a client assertion (RFC 7521 §4.2), the one
// method of a request that carries one: a secret beside it, in the body
// or a Basic header, is refused. The client is the assertion's sub when
// the body names none (RFC 7523 §3: client_id is optional); a client_id
// sent must be that sub.
func evidenceInAssertion(ev ClientEvidence, form httpapi.Form, basic bool) (ClientEvidence, error) {
	if basic || form.Get("client_secret") != "" {
		return ClientEvidence{}, oautherr.InvalidRequestf("a client assertion was sent with a client secret; use one authentication method (RFC 7521 §4.2)")
	}
	if ev.Assertion.Type == "" || ev.Assertion.Value == "" {
		return ClientEvidence{}, oautherr.InvalidRequestf("client_assertion_type and client_assertion must be sent together")
	}
	claims, err := decodeWithSubject(ev.Assertion.Value)
	if err != nil {
		return ClientEvidence{}, err
	}
	if id := form.Get("client_id"); id != "" && id != claims.Subject {
		return ClientEvidence{}, errInvalidClient("client_id differs from the client assertion's sub")
	}
	ev.ClientID, ev.Assertion.claims = claims.Subject, &claims
	return ev, nil
}

// evidenceInBody reads client_id and client_secret from the form (RFC 6749
// §2.3.1); a client_id alone is a public client's.
func evidenceInBody(ev ClientEvidence, form httpapi.Form) (ClientEvidence, error) {
	ev.ClientID = form.Get("client_id")
	if ev.ClientID == "" {
		return ClientEvidence{}, errInvalidClient("client authentication is required")
	}
	ev.Secret = form.Get("client_secret")
	return ev, nil
}

// parseBasic decodes an HTTP Basic header. RFC 6749 §2.3.1: the id and
// secret are form-urlencoded before base64, so they are unescaped after.
func parseBasic(header string) (id, sec string, err error) {
	scheme, payload, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", errInvalidClient("unsupported Authorization scheme; use Basic client credentials")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	rawID, rawSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	if id, err = url.QueryUnescape(rawID); err != nil || id == "" {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	if sec, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	return id, sec, nil
}
