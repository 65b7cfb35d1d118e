package registration

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// operatorGrant labels what an operator did on the store directly (the
// CLI): no bearer token was presented, the operator's access is the store.
var operatorGrant = grant{use: store.CredentialUse{Kind: "operator"}}

// ErrNotSelfRegistered: the client was made by an operator, not through
// DCR, so it has no registration access token to replace.
var ErrNotSelfRegistered = errors.New("the client was not registered through DCR and has no registration access token")

// ReissueRegistrationToken gives a self-registered client a new
// registration access token on an operator's word, rotating out the one it
// had. Tokens expire (registration_token_ttl), and RFC 7592 §5 asks that a
// client not lose its management while it is registered: a client whose
// token expired, or whose holder lost it, has no other way back short of
// deletion. Audited as "reissue" with credential "operator".
func (s *Service) ReissueRegistrationToken(ctx context.Context, ws workspace.Workspace, clientID string) (Response, error) {
	var issued issuedSecrets
	cl, err := s.Store.UpdateClient(ctx, ws.Name, clientID, func(cl *client.Client) error {
		if cl.Provenance.Origin != client.OriginDCR {
			return ErrNotSelfRegistered
		}
		now := s.now()
		cl.UpdatedAt = now
		rat, err := s.newRegistrationToken(ws, cl, now)
		issued.RegistrationToken = rat
		return err
	})
	if err != nil {
		return nil, err
	}
	// The old token is rotated out now: the new one must reach the
	// operator even if the audit write fails, as in audit.
	s.count(ws, "reissue", "accepted")
	if err := s.Store.AddAuditEvent(ctx, s.event(ws, "reissue", "accepted", clientID, Request{}, operatorGrant, "")); err != nil {
		httpapi.Logger(ctx).Warn("writing audit event", "action", "reissue", "err", err)
	}
	return s.respond(ws, cl, issued), nil
}
