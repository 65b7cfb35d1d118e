package registration

import (
	"context"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// operatorGrant labels what an operator did on the store directly (the
// CLI): no bearer token was presented, the operator's access is the store.
var operatorGrant = grant{use: store.CredentialUse{Kind: "operator"}}

// ErrNotSelfRegistered: the client was made by an operator, not through
// DCR, so it has no registration access token to replace.
var ErrNotSelfRegistered = errors.New("the client was not registered through DCR and has no registration access token")

// ErrNoRegistrationTokens: the workspace's profile manages registrations
// with another credential (Open Banking UK: the client's own
// client_credentials token), so a registration access token would open
// nothing.
var ErrNoRegistrationTokens = errors.New("this workspace's profile manages registrations with the client's own access token, not a registration access token")

// ReissueRegistrationToken gives a self-registered client a new
// registration access token on an operator's word, rotating out the one it
// had. Tokens expire (registration_token_ttl), and RFC 7592 §5 asks that a
// client not lose its management while it is registered: a client whose
// token expired, or whose holder lost it, has no other way back short of
// deletion. The new token is committed with one audit event: by, the
// action of the admin front end that asked, in its name; or, when by has
// no ID (the CLI, on the store directly), "reissue" with credential
// "operator".
func (s *Service) ReissueRegistrationToken(ctx context.Context, ws workspace.Workspace, clientID string, by store.AuditEvent) (Response, error) {
	if !s.authenticatorFor(ws).IssuesRegistrationTokens() {
		return nil, ErrNoRegistrationTokens
	}
	event := by
	if event.ID == "" {
		event = s.event(ws, "reissue", "accepted", clientID, Request{}, operatorGrant, "")
	}
	var issued issuedSecrets
	cl, err := s.Store.ManageClient(ctx, ws.Name, clientID, func(cl *client.Client) (store.ClientChange, store.AuditEvent, error) {
		if cl.Provenance.Origin != client.OriginDCR {
			return store.ClientUnchanged, store.AuditEvent{}, ErrNotSelfRegistered
		}
		retirePreviousToken(cl) // on an operator's word, no old token survives
		return store.ClientUpdated, event, s.replaceRegistrationToken(ws, cl, &issued)
	})
	if err != nil {
		return nil, err
	}
	s.count(ws, "reissue", "accepted")
	return s.respond(ws, "", cl, issued), nil
}
