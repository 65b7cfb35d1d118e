package registration

import (
	"context"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// managementAuthenticator decides whether an RFC 7592 call may act on a
// client, by what the request presents.
type managementAuthenticator interface {
	// Authenticate checks req against cl, the stored client. When the call
	// rotates credentials it runs inside the client's update, so it must
	// not write. The grant names what was presented, for the audit.
	Authenticate(ctx context.Context, ws workspace.Workspace, cl client.Client, req Request) (grant, error)
	// Unauthorized is the one refusal for a call naming no client and for
	// a wrong credential: RFC 7592 §2 says "client does not exist" is a
	// 401, and answering both alike keeps client ids from leaking to
	// anyone without a valid credential.
	Unauthorized(req Request) error
}

// profileDefault is every workspace's profile while settings name none.
const profileDefault = "default"

// managementAuthenticators has one authenticator per workspace profile.
// An Open Banking UK profile, whose clients manage their registration
// with a client-credentials access token, is a new authenticator and one
// line here.
var managementAuthenticators = map[string]func(*Service) managementAuthenticator{
	profileDefault: func(s *Service) managementAuthenticator {
		return registrationTokenAuthenticator{clock: s.Source, hasher: s.Hasher}
	},
}

// authenticatorFor is the management authenticator of ws's profile.
func (s *Service) authenticatorFor(workspace.Workspace) managementAuthenticator {
	return managementAuthenticators[profileDefault](s)
}

// credentialRegistrationToken labels RFC 7592 calls authenticated by the
// client's registration access token. It is never consumed like the
// store's credential kinds, so it is not one of them.
const credentialRegistrationToken = "registration_access_token"

// ratGrant is what authorized an accepted RFC 7592 call; the event's
// client id says whose token it was.
var ratGrant = grant{use: store.CredentialUse{Kind: credentialRegistrationToken}}

// registrationTokenAuthenticator is RFC 7592 §3: the bearer must be the
// client's current, unexpired registration access token.
type registrationTokenAuthenticator struct {
	clock  clock.Source
	hasher *secret.Hasher
}

// Authenticate's grant says what was presented: the client's token
// (valid or expired) or a token that does not match.
func (a registrationTokenAuthenticator) Authenticate(_ context.Context, _ workspace.Workspace, cl client.Client, req Request) (grant, error) {
	if req.Bearer == "" || !a.hasher.Verify(secret.PurposeRegistrationToken, req.Bearer, cl.RegistrationTokenHash) {
		return unmatchedGrant, a.Unauthorized(req)
	}
	if !a.clock.Time().Before(cl.RegistrationTokenExpiresAt) {
		// Only the holder of this client's token learns that it expired,
		// so saying so reveals nothing to a prober.
		return ratGrant, errBearer("the registration access token has expired")
	}
	return ratGrant, nil
}

// Unauthorized: only the challenge depends on the bearer, as RFC 6750
// §3.1 wants no error code in it when the request carried no token.
func (registrationTokenAuthenticator) Unauthorized(req Request) error {
	if req.Bearer == "" {
		return errBearerRequired("a registration access token")
	}
	return errBearer("the registration access token is invalid for this client")
}
