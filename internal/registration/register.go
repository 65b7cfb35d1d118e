package registration

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Request is a registration or management request as the handler read it.
type Request struct {
	Bearer string
	Body   []byte
	// Signed: Body is a compact JWS whose payload is the metadata
	// (application/jose), verified by the service (signedbody.go).
	Signed     bool
	RemoteAddr string
	// IdempotencyKey, when set, keeps the answer to a registration for a
	// retry of the same request (replay.go).
	IdempotencyKey string
	// Certificates is the caller's TLS client certificate chain, leaf
	// first, unverified (httpapi.ClientCertificates); nil without one.
	Certificates []*x509.Certificate
	// Endpoint is the registration endpoint the request came to,
	// relative to the workspace: "oauth2/register", or an Open Banking
	// UK one (httpapi.OpenBankingUKRegisterPaths); "" is the first.
	Endpoint string
	// accessToken is the bearer token as the management authenticator
	// verified it before the client was read (accessTokenAuthenticator);
	// nil when it did not verify, or was not asked.
	accessToken *store.Token
}

// Response is the RFC 7591 §3.2.1 / RFC 7592 §3 body.
type Response map[string]any

// Register is RFC 7591 §3, step by step. A refusal at any step is
// audited with its reason and what was presented; nothing else is written
// for it.
func (s *Service) Register(ctx context.Context, ws workspace.Workspace, req Request) (Response, error) {
	var g grant
	refuse := func(err error) (Response, error) {
		return nil, s.deny(ctx, ws, "register", "", req, g, err)
	}
	if err := registrationEnabled(ws); err != nil {
		return refuse(err)
	}
	if err := s.checkTransport(ws, req); err != nil {
		return refuse(err)
	}
	// A retry with an Idempotency-Key gets the first answer, looked up
	// before authorize: the first request may have spent the credential.
	// One sent alongside the first may find it only when it fails itself.
	orReplay := func(err error) (Response, error) {
		if kept, rerr := s.replay(ctx, ws, req); kept != nil || rerr != nil {
			return kept, refuseIfProtocol(rerr, refuse)
		}
		return refuse(err)
	}
	if kept, err := s.replay(ctx, ws, req); kept != nil || err != nil {
		return kept, refuseIfProtocol(err, refuse)
	}
	g, err := s.authorize(ctx, ws, req)
	if err != nil {
		return orReplay(err)
	}
	md, signed, err := s.decodeRegistration(ctx, ws, req, &g)
	if err != nil {
		return refuse(err)
	}
	if md, err = applyTemplate(ws, md, nil); err != nil {
		return refuse(err)
	}
	if md, err = validateMetadata(md, ws); err != nil {
		return refuse(err)
	}
	if err := s.checkTransportNames(ws, req, md); err != nil {
		return refuse(err)
	}
	if err := s.checkRemoteDocuments(ctx, md); err != nil {
		return refuse(err)
	}
	if err := s.checkPolicies(ws, creation(g, md)); err != nil {
		return refuse(err)
	}
	cl, issued, err := s.process(ws, md, g)
	if err != nil {
		return refuse(err)
	}
	if err := s.useOnce(ctx, ws, signed); err != nil {
		return refuse(err)
	}
	resp := s.respond(ws, req.Endpoint, cl, issued)
	if err := s.storeClient(ctx, ws, req, g, cl, resp); err != nil {
		return orReplay(err)
	}
	return resp, nil
}

// decodeRegistration reads the request's metadata: the body's object (a
// signed body's payload, verified with its statement's software keys),
// with the claims of its software statement, as the workspace's
// software_statement.mode wants one, taking precedence (RFC 7591 §2.3).
// The statement's issuer joins g's provenance. A signed body's claims
// about itself come back for useOnce.
func (s *Service) decodeRegistration(ctx context.Context, ws workspace.Workspace, req Request, g *grant) (client.Metadata, *signedRequest, error) {
	var obj map[string]json.RawMessage
	if g.read != nil {
		obj = g.read.object
	} else {
		var err error
		if obj, err = requestObject(ws, req); err != nil {
			return client.Metadata{}, nil, err
		}
	}
	st, err := s.statementFor(ctx, ws, obj, *g)
	if err != nil {
		return client.Metadata{}, nil, err
	}
	signed, err := s.verifySignedRegistration(ctx, ws, req, obj, st)
	if err != nil {
		return client.Metadata{}, nil, err
	}
	if st != nil {
		g.provenance.SoftwareStatementIss = st.issuer
		g.provenance.OrgID = st.orgID
	}
	g.sent = &sentRequest{object: obj, statement: st}
	md, err := withStatement(obj, st)
	return md, signed, err
}

// refuseIfProtocol audits a protocol refusal through refuse and returns
// any other error (or nil) as it is.
func refuseIfProtocol(err error, refuse func(error) (Response, error)) error {
	var oe *oautherr.Error
	if errors.As(err, &oe) {
		_, err = refuse(err)
	}
	return err
}

// registrationEnabled: a workspace that turned DCR off has no
// registration endpoint.
func registrationEnabled(ws workspace.Workspace) error {
	if !ws.Settings.Registration.Enabled {
		return oautherr.New(oautherr.NotFound, "dynamic client registration is not enabled in this workspace")
	}
	return nil
}

// issuedSecrets are the plain values shown once in the response.
type issuedSecrets struct {
	ClientSecret      string
	RegistrationToken string
}

// process assigns what the server decides: the client id (never chosen by
// the client, RFC 9700 §4.15.1), a secret for secret-based methods, and the
// registration access token where the profile issues one.
func (s *Service) process(ws workspace.Workspace, md client.Metadata, g grant) (client.Client, issuedSecrets, error) {
	now := s.Time()
	g.provenance.SoftwareID = md.SoftwareID
	cl, clientSecret, err := client.New(now, s.Random(), s.Hasher, s.Secrets, ws.Name, md, g.provenance)
	if err != nil {
		return client.Client{}, issuedSecrets{}, err
	}
	issued := issuedSecrets{ClientSecret: clientSecret}
	if !s.authenticatorFor(ws).IssuesRegistrationTokens() {
		return cl, issued, nil
	}
	if issued.RegistrationToken, err = s.newRegistrationToken(ws, &cl, now); err != nil {
		return client.Client{}, issuedSecrets{}, err
	}
	return cl, issued, nil
}

// newRegistrationToken sets a fresh RAT on cl, expiring one TTL after now,
// and returns its value; the previous one stops working as soon as cl is
// stored.
func (s *Service) newRegistrationToken(ws workspace.Workspace, cl *client.Client, now time.Time) (string, error) {
	rat, err := secret.Generate(s.Random())
	if err != nil {
		return "", err
	}
	cl.RegistrationTokenHash = s.Hasher.Hash(secret.PurposeRegistrationToken, rat)
	cl.RegistrationTokenExpiresAt = now.Add(time.Duration(ws.Settings.Registration.RegistrationTokenTTL) * time.Second)
	return rat, nil
}

// storeClient inserts cl, consumes the grant's credential and records the
// accepted event (and keeps resp for a retry with the same key) in one
// commit. A credential spent between authorize and here (a concurrent
// registration with the same token) is refused as used.
func (s *Service) storeClient(ctx context.Context, ws workspace.Workspace, req Request, g grant, cl client.Client, resp Response) error {
	event := s.event(ws, "register", "accepted", cl.ID, req, g, "")
	kept, err := s.keep(ws, req, resp)
	if err != nil {
		return err
	}
	if kept != nil {
		err = s.Store.RegisterClientReplayable(ctx, cl, g.spent(), event, ws.Settings.Registration.MaxClients, *kept)
	} else {
		err = s.Store.RegisterClient(ctx, cl, g.spent(), event, ws.Settings.Registration.MaxClients)
	}
	if errors.Is(err, store.ErrConflict) {
		return errBearer("the initial access token was already used")
	}
	if errors.Is(err, store.ErrLimitReached) {
		return errClientQuota(ws.Settings.Registration.MaxClients)
	}
	if err != nil {
		return err
	}
	s.count(ws, "register", "accepted")
	return nil
}

// errClientQuota refuses a registration beyond registration.max_clients:
// 403 access_denied (RFC 6749 §4.1.2.1: the server denied the request), as
// the request is well formed and authorized but the workspace's policy
// will not take it. invalid_client_metadata (400) would send the client
// looking for a fault in its metadata, and 429 would tell it to retry.
func errClientQuota(max int) *oautherr.Error {
	return oautherr.New(oautherr.AccessDenied, "this workspace holds its maximum of %d clients; ask its operator", max).WithStatus(http.StatusForbidden)
}
