package registration

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// authenticate loads the client of a call that changes nothing (HEAD)
// and authenticates the call; a refusal is audited. An
// unknown client is refused exactly like a wrong credential.
func (s *Service) authenticate(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request) (client.Client, grant, error) {
	cl, err := s.Store.ClientByID(ctx, ws.Name, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return cl, unmatchedGrant, s.denyUnknownClient(ctx, ws, action, clientID, req)
	}
	if err != nil {
		return cl, grant{}, err
	}
	g, err := s.authenticatorFor(ws).Authenticate(ctx, ws, cl, req)
	if err == nil {
		err = refuseDisabled(cl)
	}
	if err != nil {
		return cl, g, s.deny(ctx, ws, action, clientID, req, g, err)
	}
	return cl, g, nil
}

// denyUnknownClient audits and refuses a call naming no client of ws
// exactly as a wrong credential is refused, so that a prober learns
// nothing about which client ids exist.
func (s *Service) denyUnknownClient(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request) error {
	return s.deny(ctx, ws, action, clientID, req, unmatchedGrant, s.authenticatorFor(ws).Unauthorized(req))
}

// Read is RFC 7592 §2.1. With rotation on read the response carries a new
// registration access token (see rotateRegistrationToken for the one
// presented). Either way the read is audited, as every RFC 7592 call is,
// in the transaction that commits what it changed.
func (s *Service) Read(ctx context.Context, ws workspace.Workspace, clientID string, req Request) (Response, error) {
	req, err := s.prepareManagement(ctx, ws, req)
	if err != nil {
		return nil, err
	}
	cl, issued, err := s.manage(ctx, ws, clientID, req, s.readCall(ws))
	if err != nil {
		return nil, err
	}
	return s.respond(ws, req.Endpoint, cl, issued), nil
}

// readCall is a GET: it rotates the token when the workspace says so.
func (s *Service) readCall(ws workspace.Workspace) managementCall {
	rotate := ws.Settings.Registration.RotateRegistrationToken == workspace.RotateOnReadAndUpdate
	return managementCall{action: "read", rotate: rotate && s.authenticatorFor(ws).IssuesRegistrationTokens()}
}

// prepareManagement runs the management authenticator's checks that need
// no client, before any is read.
func (s *Service) prepareManagement(ctx context.Context, ws workspace.Workspace, req Request) (Request, error) {
	return s.authenticatorFor(ws).Prepare(ctx, ws, req)
}

// Head answers HEAD on a client URL as GET would be answered, without the
// content and without changing anything (RFC 9110 §9.3.2: HEAD is safe):
// the token is checked as the GET would check it, but not rotated and the
// previous one not retired. Audited as "head", so an auditor does not read
// a rotation into it.
func (s *Service) Head(ctx context.Context, ws workspace.Workspace, clientID string, req Request) error {
	req, err := s.prepareManagement(ctx, ws, req)
	if err != nil {
		return err
	}
	_, g, err := s.authenticate(ctx, ws, "head", clientID, req)
	if err != nil {
		return err
	}
	if err := checkPreviousToken(g, s.readCall(ws)); err != nil {
		return s.deny(ctx, ws, "head", clientID, req, g, err)
	}
	s.audit(ctx, ws, "head", clientID, req, g)
	return nil
}

// Update is RFC 7592 §2.2: a full replacement of the metadata, validated
// like a registration. The RAT always rotates on update, where the
// profile issues one.
func (s *Service) Update(ctx context.Context, ws workspace.Workspace, clientID string, req Request) (Response, error) {
	if err := s.checkTransport(ws, req); err != nil {
		return nil, s.deny(ctx, ws, "update", clientID, req, unmatchedGrant, err)
	}
	req, err := s.prepareManagement(ctx, ws, req)
	if err != nil {
		return nil, err
	}
	upd, err := s.prepareUpdate(ctx, ws, clientID, req)
	if err != nil {
		return nil, err
	}
	// A signed body's documents were checked as it was verified.
	if upd.signed == nil {
		if err := s.checkUpdateRemoteDocuments(ctx, ws, clientID, req, upd); err != nil {
			return nil, err
		}
	}
	rotate := s.authenticatorFor(ws).IssuesRegistrationTokens()
	cl, issued, err := s.manage(ctx, ws, clientID, req, managementCall{action: "update", rotate: rotate, change: func(cl *client.Client) error {
		if err := checkVerifiedVersion(upd, *cl); err != nil {
			return err
		}
		md, err := s.updatedMetadata(ws, *cl, upd)
		if err != nil {
			return err
		}
		cl.Metadata = md
		if md.AuthMethod() != client.AuthClientSecretJWT {
			// Only client_secret_jwt keeps its secret decryptable; a
			// client that leaves it keeps the keyed hash alone.
			cl.SealedSecret = nil
		}
		cl.Provenance.SoftwareID = md.SoftwareID
		if upd.statement != nil {
			cl.Provenance.SoftwareStatementIss = upd.statement.issuer
			cl.Provenance.OrgID = upd.statement.orgID
		}
		return nil
	}})
	if err != nil {
		return nil, err
	}
	return s.respond(ws, req.Endpoint, cl, issued), nil
}

// checkUpdateRemoteDocuments runs checkRemoteDocuments on an update whose
// body points at documents, before manage: manage runs inside the store's
// transaction, which must not wait on a stranger's server. The caller is
// authenticated first, so that only the client's holder can make the
// server fetch; manage authenticates again, as a concurrent call may
// have rotated the token meanwhile.
func (s *Service) checkUpdateRemoteDocuments(ctx context.Context, ws workspace.Workspace, clientID string, req Request, upd preparedUpdate) error {
	if upd.err != nil {
		return nil // manage refuses the body, once authenticated
	}
	md, err := withStatement(upd.obj, upd.statement)
	if err != nil || !namesRemoteDocuments(md) {
		return nil
	}
	cl, g, err := s.authenticate(ctx, ws, "update", clientID, req)
	if err != nil {
		return err
	}
	if md, err = s.updatedMetadata(ws, cl, upd); err == nil {
		err = s.checkRemoteDocuments(ctx, md)
	}
	if err != nil {
		return s.deny(ctx, ws, "update", clientID, req, g, err)
	}
	return nil
}

// Delete is RFC 7592 §2.3: the client, its secret, its RAT and its stored
// tokens go at once.
func (s *Service) Delete(ctx context.Context, ws workspace.Workspace, clientID string, req Request) error {
	req, err := s.prepareManagement(ctx, ws, req)
	if err != nil {
		return err
	}
	_, _, err = s.manage(ctx, ws, clientID, req, managementCall{action: "delete", remove: true})
	return err
}

// managementCall is what an RFC 7592 call does to the client.
type managementCall struct {
	action string
	rotate bool                       // it replaces the registration access token
	remove bool                       // it deletes the client
	change func(*client.Client) error // it edits the client first (update)
}

// manage authenticates the call and commits what it does, with its audit
// event, in one store.ManageClient: a compare-and-swap on the client, so
// of two calls presenting the same token at most one acts (a rotating
// GET and a DELETE cannot both succeed), and the loser's token is by then
// rotated out or its client gone, so it gets 401.
func (s *Service) manage(ctx context.Context, ws workspace.Workspace, clientID string, req Request, call managementCall) (client.Client, issuedSecrets, error) {
	auth := s.authenticatorFor(ws)
	var issued issuedSecrets
	g := unmatchedGrant    // until the store finds the client and auth accepts
	authenticated := false // by the last run of fn, which the store may rerun
	cl, err := s.Store.ManageClient(ctx, ws.Name, clientID, func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
		var err error
		g, err = auth.Authenticate(ctx, ws, *cl, req)
		if authenticated = err == nil; !authenticated {
			return store.ClientUnchanged, store.AuditEvent{}, err
		}
		change, err := s.apply(ws, cl, g, call, &issued)
		if err != nil {
			return change, store.AuditEvent{}, err
		}
		return change, s.event(ws, call.action, "accepted", clientID, req, g, ""), nil
	})
	switch {
	case errors.Is(err, store.ErrConflict) && authenticated:
		// The token matched, but a concurrent call with it won; only that
		// token's holder reads this.
		return cl, issued, s.deny(ctx, ws, call.action, clientID, req, g, errBearer("the registration access token was used by a concurrent request, which rotated it or deleted the client"))
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		return cl, issued, s.deny(ctx, ws, call.action, clientID, req, g, auth.Unauthorized(req))
	case err != nil:
		return cl, issued, s.deny(ctx, ws, call.action, clientID, req, g, err)
	}
	s.count(ws, call.action, "accepted")
	return cl, issued, nil
}

// apply makes the authenticated call's change to cl and says what the
// store commits.
func (s *Service) apply(ws workspace.Workspace, cl *client.Client, g grant, call managementCall, issued *issuedSecrets) (store.ClientChange, error) {
	if err := refuseDisabled(*cl); err != nil {
		return store.ClientUnchanged, err
	}
	if err := checkPreviousToken(g, call); err != nil {
		return store.ClientUnchanged, err
	}
	if call.change != nil {
		if err := call.change(cl); err != nil {
			return store.ClientUnchanged, err
		}
	}
	switch {
	case call.remove:
		return store.ClientDeleted, nil
	case call.rotate:
		return store.ClientUpdated, s.rotateRegistrationToken(ws, cl, g, issued)
	case call.change != nil:
		// An update where no registration access token rotates.
		cl.UpdatedAt = s.Time()
		return store.ClientUpdated, nil
	case retirePreviousToken(cl):
		// The current token was used: its holder has it, so the one it
		// replaced is no longer needed.
		return store.ClientUpdated, nil
	}
	return store.ClientUnchanged, nil
}

// refuseDisabled refuses an RFC 7592 call on a client an operator
// disabled; asked only once the caller proved its credential, so that
// no one else learns the client's state.
func refuseDisabled(cl client.Client) error {
	if cl.Disabled() {
		return errBearer("the client is disabled; an operator must enable it")
	}
	return nil
}
