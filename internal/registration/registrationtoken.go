package registration

import (
	"context"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// managementAuthenticator decides whether an RFC 7592 call may act on a
// client, by what the request presents.
type managementAuthenticator interface {
	// Prepare checks, before the client is read and outside any
	// transaction, what of req can be checked without it; Authenticate
	// is then given the request it returns. An error is an outage.
	Prepare(ctx context.Context, ws workspace.Workspace, req Request) (Request, error)
	// Authenticate checks req against cl, the stored client. It runs
	// inside the store's transaction on the client (ManageClient), so it
	// must not write. The grant names what was presented, for the audit.
	Authenticate(ctx context.Context, ws workspace.Workspace, cl client.Client, req Request) (grant, error)
	// Unauthorized is the one refusal for a call naming no client and for
	// a wrong credential: RFC 7592 §2 says "client does not exist" is a
	// 401, and answering both alike keeps client ids from leaking to
	// anyone without a valid credential.
	Unauthorized(req Request) error
	// IssuesRegistrationTokens: the profile's clients get (and rotate) a
	// registration access token; one never used would be a credential
	// lying about for nothing.
	IssuesRegistrationTokens() bool
}

// profileDefault is every workspace's profile while settings name none.
const profileDefault = "default"

// managementAuthenticators has one authenticator per workspace profile;
// a profile without one of its own has the default's.
var managementAuthenticators = map[string]func(*Service) managementAuthenticator{
	profileDefault: func(s *Service) managementAuthenticator {
		return registrationTokenAuthenticator{clock: s.Source, hasher: s.Hasher}
	},
	// Open Banking UK's clients manage their registration with an access
	// token they got by client_credentials.
	workspace.ProfileOpenBankingUK: func(s *Service) managementAuthenticator {
		return accessTokenAuthenticator{tokens: s.Tokens, certs: s.Certificates}
	},
}

// authenticatorFor is the management authenticator of ws's profile.
func (s *Service) authenticatorFor(ws workspace.Workspace) managementAuthenticator {
	if newAuthenticator, ok := managementAuthenticators[ws.Settings.Profile]; ok {
		return newAuthenticator(s)
	}
	return managementAuthenticators[profileDefault](s)
}

// credentialRegistrationToken labels RFC 7592 calls authenticated by the
// client's registration access token. It is never consumed like the
// store's credential kinds, so it is not one of them.
const credentialRegistrationToken = "registration_access_token"

// ratGrant is what authorized an accepted RFC 7592 call; the event's
// client id says whose token it was.
var ratGrant = grant{use: store.CredentialUse{Kind: credentialRegistrationToken}}

// previousRATGrant: the call presented the token the last rotation
// replaced, still in its grace. The audit names it apart, as a retry
// after a lost answer (or a stolen token) is worth telling apart.
var previousRATGrant = grant{use: store.CredentialUse{Kind: credentialRegistrationToken, ID: "previous"}}

// registrationTokenGrace is how long the registration access token a
// rotation replaced keeps working while its successor is unused. A
// rotation commits before its answer is sent, and an answer lost on the
// way (a dropped connection, a crash) would otherwise leave the client
// with no working token; like the reuse interval careful servers give
// refresh-token rotation, the grace lets it rotate again with the old one.
const registrationTokenGrace = 10 * time.Minute

// registrationTokenAuthenticator is RFC 7592 §3: the bearer must be the
// client's current, unexpired registration access token, or the one the
// last rotation replaced while its grace lasts (what that one may do,
// checkPreviousToken says).
type registrationTokenAuthenticator struct {
	clock  clock.Source
	hasher *secret.Hasher
}

// Authenticate's grant says what was presented: the client's token
// (valid or expired), the previous one, or a token that does not match.
func (a registrationTokenAuthenticator) Authenticate(_ context.Context, _ workspace.Workspace, cl client.Client, req Request) (grant, error) {
	now := a.clock.Time()
	switch {
	case req.Bearer == "":
	case a.hasher.Verify(secret.PurposeRegistrationToken, req.Bearer, cl.RegistrationTokenHash):
		if !now.Before(cl.RegistrationTokenExpiresAt) {
			// Only the holder of this client's token learns that it expired,
			// so saying so reveals nothing to a prober.
			return ratGrant, errBearer("the registration access token has expired")
		}
		return ratGrant, nil
	case now.Before(cl.PreviousRegistrationTokenExpiresAt) &&
		a.hasher.Verify(secret.PurposeRegistrationToken, req.Bearer, cl.PreviousRegistrationTokenHash):
		return previousRATGrant, nil
	}
	return unmatchedGrant, a.Unauthorized(req)
}

// Prepare: the token is checked against the client's, inside its
// transaction.
func (registrationTokenAuthenticator) Prepare(_ context.Context, _ workspace.Workspace, req Request) (Request, error) {
	return req, nil
}

func (registrationTokenAuthenticator) IssuesRegistrationTokens() bool { return true }

// Unauthorized: only the challenge depends on the bearer, as RFC 6750
// §3.1 wants no error code in it when the request carried no token.
func (registrationTokenAuthenticator) Unauthorized(req Request) error {
	if req.Bearer == "" {
		return errBearerRequired("a registration access token")
	}
	return errBearer("the registration access token is invalid for this client")
}

// checkPreviousToken: the token a rotation replaced serves only to rotate
// again, which is what its holder needs when the rotation's answer was
// lost; anything else (a DELETE, a GET that does not rotate) needs the
// current token, so that one token cannot both rotate and act.
func checkPreviousToken(g grant, call managementCall) error {
	if g == previousRATGrant && !call.rotate {
		return errBearer("the registration access token was replaced by a rotation; use the token it returned, or rotate again (GET or PUT) with this one while its grace lasts")
	}
	return nil
}

// rotateRegistrationToken gives cl a new registration access token after
// a call authenticated by g, keeping the presented one as the previous
// token: when it was the current one, for registrationTokenGrace (never
// past its own expiry); when it was already the previous one, until its
// grace ends as it stood, while the successor it replaces, never used,
// stops working. So of the two tokens a rotation leaves, whichever
// rotates first ends the other.
func (s *Service) rotateRegistrationToken(ws workspace.Workspace, cl *client.Client, g grant, issued *issuedSecrets) error {
	if g != previousRATGrant {
		cl.PreviousRegistrationTokenHash = cl.RegistrationTokenHash
		cl.PreviousRegistrationTokenExpiresAt = s.Time().Add(registrationTokenGrace)
		if cl.RegistrationTokenExpiresAt.Before(cl.PreviousRegistrationTokenExpiresAt) {
			cl.PreviousRegistrationTokenExpiresAt = cl.RegistrationTokenExpiresAt
		}
	}
	return s.replaceRegistrationToken(ws, cl, issued)
}

// retirePreviousToken ends cl's previous token, if it has one, and says
// whether it did.
func retirePreviousToken(cl *client.Client) bool {
	if cl.PreviousRegistrationTokenHash == nil {
		return false
	}
	cl.PreviousRegistrationTokenHash, cl.PreviousRegistrationTokenExpiresAt = nil, time.Time{}
	return true
}

// replaceRegistrationToken gives cl a new current registration access
// token and records it in issued.
func (s *Service) replaceRegistrationToken(ws workspace.Workspace, cl *client.Client, issued *issuedSecrets) error {
	now := s.Time()
	cl.UpdatedAt = now
	rat, err := s.newRegistrationToken(ws, cl, now)
	issued.RegistrationToken = rat
	return err
}
