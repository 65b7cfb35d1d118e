package registration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// signedRequestMaxAge bounds how old a signed body may be by its iat: it
// is made for one request, so its jti need only be remembered this long.
const signedRequestMaxAge = time.Hour

// signedRequest is a verified signed body's claims about itself: what
// makes it single-use.
type signedRequest struct {
	iss, jti string
	// expires is when the body stops being accepted (its exp, or its iat
	// plus signedRequestMaxAge if sooner), and so when its jti may be
	// forgotten.
	expires time.Time
}

func errSigned(format string, args ...any) *oautherr.Error {
	return oautherr.InvalidMetadata("signed request: "+format, args...)
}

// requestObject is the metadata object a request carries: its JSON body,
// or the payload of its signed body, as registration.signed_request
// allows. A signed body's payload is read here before its signature is
// checked, to find the statement whose keys check it; verifySignedBody
// then verifies the very bytes read (the payload segment is what the
// signature covers), before anything is registered.
func requestObject(ws workspace.Workspace, req Request) (map[string]json.RawMessage, error) {
	mode := ws.Settings.Registration.SignedRequestMode()
	switch {
	case req.Signed && mode == workspace.Off:
		return nil, errSigned("this workspace takes no signed requests; send the metadata as application/json")
	case !req.Signed && mode == workspace.Required:
		return nil, errSigned("this workspace takes only signed requests: send the metadata as a JWS signed with the software's keys, as application/jose")
	case !req.Signed:
		return decodeObject(req.Body)
	}
	obj, err := unverifiedClaims(string(req.Body))
	if err != nil {
		return nil, errSigned("%v", err)
	}
	return obj, nil
}

// signatureCheck is how a signed body must verify: with keys (found
// under keysField, for errors) under one of algs, issued by iss, meant
// for one of audiences.
type signatureCheck struct {
	keys      jose.KeySet
	keysField string
	algs      []string
	iss       string
	audiences []string
}

// verifySignedBody checks a signed body: a compact JWS with one of the
// check's algs (asymmetric: the settings admit no none or HMAC), signed by one of the keys (a header without
// kid tries each that fits the alg; jku, x5u and jwk headers are never
// read); iss as expected; aud naming one of the audiences; iat, exp (both
// required) and nbf within clockSkew, iat no older than
// signedRequestMaxAge; a jti. Its single use is the caller's to claim
// (useOnce) once nothing else can refuse the request. c is token's
// payload as requestObject read it: once the signature verifies, it is
// what the signer signed, so it is not decoded again.
func (s *Service) verifySignedBody(ctx context.Context, token string, c claims, check signatureCheck) (*signedRequest, error) {
	v := jose.Verifier{Keys: check.keys, Algs: check.algs}
	_, _, err := v.Verify(ctx, token)
	switch {
	case err == nil:
	case errors.Is(err, jose.ErrInvalidSignature):
		return nil, errSigned("not signed by a key in %s: %v", check.keysField, err)
	case ctx.Err() != nil:
		return nil, err
	default:
		// The keys' URL did not give a key set: the client's to fix.
		return nil, oautherr.InvalidMetadata("%s: %v", check.keysField, err)
	}
	if iss, err := c.str("iss"); err != nil || iss != check.iss {
		return nil, errSigned("iss %q is not %q", iss, check.iss)
	}
	aud, err := c.strs("aud")
	if err != nil {
		return nil, errSigned("%v", err)
	}
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(check.audiences, a) }) {
		return nil, errSigned("aud %q names none of %q", aud, check.audiences)
	}
	now := s.Time()
	if err := c.checkTimes(now, signedRequestMaxAge, true); err != nil {
		return nil, errSigned("%v", err)
	}
	jti, err := c.str("jti")
	if err != nil || jti == "" {
		return nil, errSigned("jti is required: a signed request is accepted once")
	}
	iat, _, _ := c.date("iat")
	exp, _, _ := c.date("exp")
	return &signedRequest{iss: check.iss, jti: jti, expires: minTime(exp, iat.Add(signedRequestMaxAge)).Add(clockSkew)}, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// useOnce claims a signed body's jti, across all nodes, until the body
// expires: a second use is refused. The id is namespaced and hashed, so
// it never collides with another purpose's and its length is bounded.
//
// It is claimed after every check that the request alone decides (its
// signature, claims, statement and metadata) has passed, and before the
// client is stored: a body refused by those checks would be refused
// again, so its jti is left unspent; a body stopped later (the client
// quota, a credential spent concurrently, an outage) has spent it and
// must be signed anew, so that a copy replayed later, when the quota has
// room, registers nothing.
func (s *Service) useOnce(ctx context.Context, ws workspace.Workspace, sr *signedRequest) error {
	if sr == nil {
		return nil
	}
	fresh, err := s.Store.UseRequestOnce(ctx, ws.Name, sr.usedRequestID(), sr.expires)
	if err != nil {
		return err
	}
	if !fresh {
		return sr.errUsedBefore()
	}
	return nil
}

// checkUnused refuses a signed body whose jti was spent, as useOnce
// would, but spends nothing: for a dry run.
func (s *Service) checkUnused(ctx context.Context, ws workspace.Workspace, sr *signedRequest) error {
	if sr == nil {
		return nil
	}
	used, err := s.Store.RequestUsed(ctx, ws.Name, sr.usedRequestID())
	if err != nil {
		return err
	}
	if used {
		return sr.errUsedBefore()
	}
	return nil
}

// usedRequestID is the id under which sr's jti is recorded as used.
func (sr *signedRequest) usedRequestID() string {
	sum := sha256.Sum256([]byte(sr.iss + "\x00" + sr.jti))
	return "jti:registration:" + hex.EncodeToString(sum[:])
}

func (sr *signedRequest) errUsedBefore() error {
	return errSigned("jti %q was used before: a signed request is accepted once; sign a new one", sr.jti)
}

// registrationAudiences are what a signed registration's aud may name:
// the workspace's issuer, its registration endpoints, and the workspace's
// registration.audiences.
func (s *Service) registrationAudiences(ws workspace.Workspace) []string {
	issuer := s.BaseURL + "/" + ws.Name
	auds := []string{issuer}
	for _, endpoint := range registrationEndpoints(ws) {
		auds = append(auds, s.endpointBaseURL()+"/"+ws.Name+"/"+endpoint)
	}
	return append(auds, ws.Settings.Registration.Audiences...)
}

// verifySignedRegistration checks a signed registration body against its
// statement: the body is signed by the software (the statement's
// software_jwks or software_jwks_endpoint) and issued by it (iss is the
// statement's software_id).
func (s *Service) verifySignedRegistration(ctx context.Context, ws workspace.Workspace, req Request, obj claims, st *softwareStatement) (*signedRequest, error) {
	if !req.Signed {
		return nil, nil
	}
	if st == nil {
		return nil, errSigned("a signed request is verified with the keys of its software statement, and it carries none")
	}
	if st.softwareID == "" {
		return nil, errSigned("its software statement has no software_id for the request's iss to name")
	}
	keys, field, err := s.softwareKeys(st)
	if err != nil {
		return nil, err
	}
	return s.verifySignedBody(ctx, string(req.Body), obj, signatureCheck{keys: keys, keysField: field, algs: ws.Settings.Registration.SignedRequestAlgorithms(), iss: st.softwareID, audiences: s.registrationAudiences(ws)})
}

// softwareKeys are the software's keys a statement names, and the claim
// that names them.
func (s *Service) softwareKeys(st *softwareStatement) (jose.KeySet, string, error) {
	switch {
	case present(st.claims, "software_jwks"):
		set, err := jose.ParseJWKS(st.claims["software_jwks"])
		if err != nil {
			return nil, "", errStatement("software_statement: software_jwks: %v", err)
		}
		return set, "the statement's software_jwks", nil
	case present(st.claims, "software_jwks_endpoint"):
		url, err := st.claims.str("software_jwks_endpoint")
		if err != nil {
			return nil, "", errStatement("software_statement: %v", err)
		}
		return s.remoteKeys(url), "software_jwks_endpoint", nil
	}
	return nil, "", errSigned("its software statement names no software_jwks or software_jwks_endpoint to verify it with")
}

// clientKeys are a registered client's keys, for a signed update, and the
// member that holds them.
func (s *Service) clientKeys(cl client.Client) (jose.KeySet, string, error) {
	switch {
	case len(cl.Metadata.JWKS) > 0:
		set, err := jose.ParseJWKS(cl.Metadata.JWKS)
		if err != nil {
			return nil, "", fmt.Errorf("client %s: registered jwks: %w", cl.ID, err)
		}
		return set, "the client's jwks", nil
	case cl.Metadata.JWKSURI != "":
		return s.remoteKeys(cl.Metadata.JWKSURI), "jwks_uri", nil
	}
	return nil, "", errSigned("this client registered no keys (jwks or jwks_uri) to verify a signed update with")
}

// verifySignedUpdate checks a signed update body with the client's
// registered keys: issued by the client (iss is its software_id, or its
// client_id when it has none) for this workspace's registration endpoint
// or the client's own URL.
func (s *Service) verifySignedUpdate(ctx context.Context, ws workspace.Workspace, cl client.Client, req Request, obj claims) (*signedRequest, error) {
	if !req.Signed {
		return nil, nil
	}
	keys, field, err := s.clientKeys(cl)
	if err != nil {
		return nil, err
	}
	iss := cl.Provenance.SoftwareID
	if iss == "" {
		iss = cl.ID
	}
	audiences := append(s.registrationAudiences(ws), s.clientURI(ws, req.Endpoint, cl.ID))
	return s.verifySignedBody(ctx, string(req.Body), obj, signatureCheck{keys: keys, keysField: field, algs: ws.Settings.Registration.SignedRequestAlgorithms(), iss: iss, audiences: audiences})
}
