package registration

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// errRAT is the one answer for a missing, wrong, expired or rotated-out
// registration access token and for an unknown client: RFC 7592 §2 says
// "client does not exist" is a 401, and answering both alike keeps client
// ids from leaking to anyone without a valid token. Only the challenge
// depends on bearer: RFC 6750 §3.1 wants no error code in it when the
// request carried no token at all.
func errRAT(bearer string) *oautherr.Error {
	if bearer == "" {
		return oautherr.InvalidTokenf("a registration access token is required (Authorization: Bearer)").WithChallenge(`Bearer realm="registrar"`)
	}
	return errBearer("the registration access token is invalid for this client")
}

// checkRAT verifies bearer is cl's current, unexpired registration token.
// The grant says what was presented, for the audit: the client's token
// (valid or expired) or a token that does not match.
func (s *Service) checkRAT(cl client.Client, bearer string) (grant, error) {
	if bearer == "" || !s.Hasher.Verify(secret.PurposeRegistrationToken, bearer, cl.RegistrationTokenHash) {
		return unmatchedGrant, errRAT(bearer)
	}
	if !s.Time().Before(cl.RegistrationTokenExpiresAt) {
		// Only the holder of this client's token learns that it expired,
		// so saying so reveals nothing to a prober.
		return ratGrant, errBearer("the registration access token has expired")
	}
	return ratGrant, nil
}

// authenticate loads the client of a call that does not rotate the token
// and checks the token; a refusal is audited. An unknown client is
// refused exactly like a wrong token.
func (s *Service) authenticate(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request) (client.Client, error) {
	cl, err := s.Store.ClientByID(ctx, ws.Name, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return cl, s.denyUnknownClient(ctx, ws, action, clientID, req)
	}
	if err != nil {
		return cl, err
	}
	if g, err := s.checkRAT(cl, req.Bearer); err != nil {
		return cl, s.deny(ctx, ws, action, clientID, req, g, err)
	}
	return cl, nil
}

// denyUnknownClient audits and refuses a call naming no client of ws
// exactly as a wrong token is refused, so that a prober learns nothing
// about which client ids exist.
func (s *Service) denyUnknownClient(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request) error {
	return s.deny(ctx, ws, action, clientID, req, unmatchedGrant, errRAT(req.Bearer))
}

// Read is RFC 7592 §2.1. With rotation on read the response carries a new
// registration access token and the presented one stops working. Either
// way the read is audited, as every RFC 7592 call is.
func (s *Service) Read(ctx context.Context, ws workspace.Workspace, clientID string, req Request) (Response, error) {
	if ws.Settings.Registration.RotateRegistrationToken == workspace.RotateOnReadAndUpdate {
		return s.rotateAndRespond(ctx, ws, clientID, req, "read", nil)
	}
	cl, err := s.authenticate(ctx, ws, "read", clientID, req)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, ws, "read", clientID, req, ratGrant)
	return s.respond(ws, cl, issuedSecrets{}), nil
}

// Update is RFC 7592 §2.2: a full replacement of the metadata, validated
// like a registration. The RAT always rotates on update.
func (s *Service) Update(ctx context.Context, ws workspace.Workspace, clientID string, req Request) (Response, error) {
	return s.rotateAndRespond(ctx, ws, clientID, req, "update", func(cl *client.Client) error {
		md, err := s.updatedMetadata(ws, *cl, req.Body)
		if err != nil {
			return err
		}
		cl.Metadata = md
		cl.Provenance.SoftwareID = md.SoftwareID
		return nil
	})
}

// rotateAndRespond checks the RAT, applies change, and replaces the RAT in
// one store update. The store's optimistic version check makes it a
// compare-and-swap: of two requests with the same RAT exactly one wins,
// and the loser's token is by then rotated out, so it gets 401.
func (s *Service) rotateAndRespond(ctx context.Context, ws workspace.Workspace, clientID string, req Request, action string, change func(*client.Client) error) (Response, error) {
	var issued issuedSecrets
	g := unmatchedGrant // until the store finds the client and fn checks its token
	cl, err := s.Store.UpdateClient(ctx, ws.Name, clientID, func(cl *client.Client) error {
		var err error
		if g, err = s.checkRAT(*cl, req.Bearer); err != nil {
			return err
		}
		if change != nil {
			if err := change(cl); err != nil {
				return err
			}
		}
		return s.replaceRegistrationToken(ws, cl, &issued)
	})
	switch {
	case errors.Is(err, store.ErrConflict) && g.use.Kind == credentialRegistrationToken:
		// The token matched, but a concurrent call with it won the
		// rotation; only that token's holder reads this.
		return nil, s.deny(ctx, ws, action, clientID, req, g, errBearer("the registration access token was rotated by a concurrent request"))
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		return nil, s.deny(ctx, ws, action, clientID, req, g, errRAT(req.Bearer))
	case err != nil:
		return nil, s.deny(ctx, ws, action, clientID, req, g, err)
	}
	s.audit(ctx, ws, action, clientID, req, ratGrant)
	return s.respond(ws, cl, issued), nil
}

// updatedMetadata applies RFC 7592 §2.2 to a PUT body: client_id must be
// present and equal; a client_secret, if sent, must be the current one;
// server-managed members must not be sent; the rest replaces the metadata
// (omitted members return to their defaults, except the auth method: see
// keepAuthMethod).
func (s *Service) updatedMetadata(ws workspace.Workspace, cl client.Client, body []byte) (client.Metadata, error) {
	obj, err := strictjson.DecodeObject(body)
	if err != nil {
		return client.Metadata{}, oautherr.InvalidMetadata("%v", err)
	}
	var id string
	if err := jsonString(obj, "client_id", &id); err != nil || id != cl.ID {
		return client.Metadata{}, oautherr.InvalidMetadata("client_id: must be present and equal to the client being updated")
	}
	for _, name := range []string{"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"} {
		if _, ok := obj[name]; ok {
			return client.Metadata{}, oautherr.InvalidMetadata("%s: is managed by the server and must not be sent (RFC 7592 §2.2)", name)
		}
	}
	if _, ok := obj["client_secret"]; ok {
		var sec string
		if jsonString(obj, "client_secret", &sec) != nil || !s.Hasher.Verify(secret.PurposeClientSecret, sec, cl.SecretHash) {
			return client.Metadata{}, oautherr.InvalidMetadata("client_secret: does not match the current secret; a client cannot choose its secret")
		}
	}
	md, err := client.DecodeMetadata(obj)
	if err != nil {
		return client.Metadata{}, err
	}
	keepAuthMethod(&md, cl)
	if md, err = client.Validate(md, policyFor(ws)); err != nil {
		return client.Metadata{}, err
	}
	return md, checkSecretUnchanged(md, cl)
}

// keepAuthMethod: on update, a body that omits token_endpoint_auth_method
// (or sends null) keeps the registered method, whatever it is. RFC 7592
// §2.2 treats an omitted member as a request to delete it, which would
// return it to its default, but lets the server ignore a null or empty
// value, and for this member it must: the method decides how the client
// proves itself at the token endpoint, which accepts only the registered
// one. The default, client_secret_basic (or what the workspace allows),
// would leave a public client ("none": SPAs, native and MCP apps that PUT
// only what they change) needing a secret an update cannot issue, and
// would switch a client_secret_post client's method behind its back, so
// that its next token request fails. The response says which method is
// registered, as RFC 7591 §3.2.1 wants of any value the server picks. An
// explicit method is applied, within checkSecretUnchanged's limits.
func keepAuthMethod(md *client.Metadata, cl client.Client) {
	if md.TokenEndpointAuthMethod == "" {
		md.TokenEndpointAuthMethod = cl.Metadata.AuthMethod()
	}
}

// checkSecretUnchanged refuses a move between secret-based and other
// auth methods: it would need a secret issued or withdrawn, which only a
// new registration does, and otherwise leave a client that cannot
// authenticate.
func checkSecretUnchanged(md client.Metadata, cl client.Client) error {
	from, to := cl.Metadata.AuthMethod(), md.AuthMethod()
	switch {
	case client.UsesSecret(to) && !client.UsesSecret(from):
		return oautherr.InvalidMetadata("token_endpoint_auth_method: %q needs a client secret, and this client was registered without one (%q); an update cannot issue one, so keep %q or register a new client", to, from, from)
	case !client.UsesSecret(to) && client.UsesSecret(from):
		return oautherr.InvalidMetadata("token_endpoint_auth_method: %q would leave this client's secret unused; an update cannot withdraw it, so keep a secret-based method or register a new client", to)
	}
	return nil
}

// Delete is RFC 7592 §2.3: the client, its secret, its RAT and its stored
// tokens go at once.
func (s *Service) Delete(ctx context.Context, ws workspace.Workspace, clientID string, req Request) error {
	if _, err := s.authenticate(ctx, ws, "delete", clientID, req); err != nil {
		return err
	}
	err := s.Store.DeleteClient(ctx, ws.Name, clientID)
	if errors.Is(err, store.ErrNotFound) {
		// Deleted concurrently, after its token was checked.
		return s.deny(ctx, ws, "delete", clientID, req, ratGrant, errRAT(req.Bearer))
	}
	if err != nil {
		return err
	}
	s.audit(ctx, ws, "delete", clientID, req, ratGrant)
	return nil
}

// audit records an accepted management action and what authorized it
// (the client's registration access token, or an operator). A failure to
// write it is not the caller's problem once the action is committed (a
// reissued token must still reach the operator), so it is only logged.
func (s *Service) audit(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request, g grant) {
	s.count(ws, action, "accepted")
	if err := s.Store.AddAuditEvent(ctx, s.event(ws, action, "accepted", clientID, req, g, "")); err != nil {
		httpapi.Logger(ctx).Warn("writing audit event", "action", action, "err", err)
	}
}

// replaceRegistrationToken gives cl a new registration access token, the
// one it had ending with this update, and records it in issued.
func (s *Service) replaceRegistrationToken(ws workspace.Workspace, cl *client.Client, issued *issuedSecrets) error {
	now := s.Time()
	cl.UpdatedAt = now
	rat, err := s.newRegistrationToken(ws, cl, now)
	issued.RegistrationToken = rat
	return err
}
