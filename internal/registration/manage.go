package registration

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// authenticate loads the client of a call that does not rotate its
// credentials and authenticates the call; a refusal is audited. An
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
// registration access token and the presented one stops working. Either
// way the read is audited, as every RFC 7592 call is.
func (s *Service) Read(ctx context.Context, ws workspace.Workspace, clientID string, req Request) (Response, error) {
	if ws.Settings.Registration.RotateRegistrationToken == workspace.RotateOnReadAndUpdate {
		return s.rotateAndRespond(ctx, ws, clientID, req, "read", nil)
	}
	cl, g, err := s.authenticate(ctx, ws, "read", clientID, req)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, ws, "read", clientID, req, g)
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

// rotateAndRespond authenticates the call, applies change, and replaces
// the RAT in one store update. The store's optimistic version check makes
// it a compare-and-swap: of two requests with the same RAT exactly one
// wins, and the loser's token is by then rotated out, so it gets 401.
func (s *Service) rotateAndRespond(ctx context.Context, ws workspace.Workspace, clientID string, req Request, action string, change func(*client.Client) error) (Response, error) {
	auth := s.authenticatorFor(ws)
	var issued issuedSecrets
	g := unmatchedGrant    // until the store finds the client and auth accepts
	authenticated := false // by the last run of the update, which the store may rerun
	cl, err := s.Store.UpdateClient(ctx, ws.Name, clientID, func(cl *client.Client) error {
		var err error
		g, err = auth.Authenticate(ctx, ws, *cl, req)
		if authenticated = err == nil; !authenticated {
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
	case errors.Is(err, store.ErrConflict) && authenticated:
		// The token matched, but a concurrent call with it won the
		// rotation; only that token's holder reads this.
		return nil, s.deny(ctx, ws, action, clientID, req, g, errBearer("the registration access token was rotated by a concurrent request"))
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		return nil, s.deny(ctx, ws, action, clientID, req, g, auth.Unauthorized(req))
	case err != nil:
		return nil, s.deny(ctx, ws, action, clientID, req, g, err)
	}
	s.audit(ctx, ws, action, clientID, req, g)
	return s.respond(ws, cl, issued), nil
}

// Delete is RFC 7592 §2.3: the client, its secret, its RAT and its stored
// tokens go at once.
func (s *Service) Delete(ctx context.Context, ws workspace.Workspace, clientID string, req Request) error {
	_, g, err := s.authenticate(ctx, ws, "delete", clientID, req)
	if err != nil {
		return err
	}
	err = s.Store.DeleteClient(ctx, ws.Name, clientID)
	if errors.Is(err, store.ErrNotFound) {
		// Deleted concurrently, after its credential was checked.
		return s.deny(ctx, ws, "delete", clientID, req, g, s.authenticatorFor(ws).Unauthorized(req))
	}
	if err != nil {
		return err
	}
	s.audit(ctx, ws, "delete", clientID, req, g)
	return nil
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
