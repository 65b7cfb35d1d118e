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
// deletion. Audited as "reissue" with credential "operator".
func (s *Service) ReissueRegistrationToken(ctx context.Context, ws workspace.Workspace, clientID string) (Response, error) {
	if !s.authenticatorFor(ws).IssuesRegistrationTokens() {
		return nil, ErrNoRegistrationTokens
	}
	var issued issuedSecrets
	cl, err := s.Store.UpdateClient(ctx, ws.Name, clientID, func(cl *client.Client) error {
		if cl.Provenance.Origin != client.OriginDCR {
			return ErrNotSelfRegistered
		}
		retirePreviousToken(cl) // on an operator's word, no old token survives
		return s.replaceRegistrationToken(ws, cl, &issued)
	})
	if err != nil {
		return nil, err
	}
	s.audit(ctx, ws, "reissue", clientID, Request{}, operatorGrant)
	return s.respond(ws, "", cl, issued), nil
}
