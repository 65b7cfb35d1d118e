package oauth

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// authenticator authenticates the clients registered for one
// token_endpoint_auth_method.
type authenticator interface {
	// presented says whether ev is the evidence this method takes.
	presented(ev ClientEvidence) bool
	// verify checks ev against cl, a client registered for this method.
	verify(a clientAuth, cl client.Client, ev ClientEvidence) error
}

// authenticators holds one authenticator per token_endpoint_auth_method
// this server accepts. A client registered for any other method cannot
// authenticate.
var authenticators = map[string]authenticator{
	client.AuthClientSecretBasic: secretBasic{},
	client.AuthClientSecretPost:  secretPost{},
	client.AuthNone:              publicClient{},
	client.AuthPrivateKeyJWT:     privateKeyJWT{},
	client.AuthClientSecretJWT:   clientSecretJWT{},
	client.AuthTLSClientAuth:     tlsClientAuth{},
	// self_signed_tls_client_auth: RFC 8705 §2.2.
	client.AuthSelfSignedTLSClientAuth: selfSignedTLSClientAuth{},
}

// AuthMethods lists the token_endpoint_auth_method values this server
// authenticates, sorted; withPublic adds none, which only clients of the
// browser flow use. Discovery and operator checks read it, so a method
// added to the table is offered everywhere at once.
func AuthMethods(withPublic bool) []string {
	var out []string
	for method := range authenticators {
		if withPublic || method != client.AuthNone {
			out = append(out, method)
		}
	}
	slices.Sort(out)
	return out
}

// assertionMethod marks the authenticators of assertion-based methods
// (private_key_jwt, client_secret_jwt: RFC 7523 §2.2).
type assertionMethod interface{ takesAssertions() }

// assertionsAccepted reports whether any authenticator takes a client
// assertion; until one does, an assertion is refused before anything else
// in the request is looked at.
func assertionsAccepted() bool {
	for _, a := range authenticators {
		if _, ok := a.(assertionMethod); ok {
			return true
		}
	}
	return false
}

// secretVerifier compares a presented secret with its keyed hash
// (secret.Hasher).
type secretVerifier interface {
	Verify(purpose, value string, want []byte) bool
}

// clientAuth is what client authentication checks evidence with.
type clientAuth struct {
	secrets secretVerifier
	now     time.Time
	// assertions checks client assertions; nil refuses them.
	assertions *assertionCheck
	// claims are the assertion's, once precheck has passed them.
	claims assertionClaims
	// chains verifies tls_client_auth certificates.
	chains *chainCheck
}

func (s *Service) clientAuth(ctx context.Context, ws workspace.Workspace) clientAuth {
	return clientAuth{secrets: s.Hasher, now: s.Time(), chains: s.chainCheck(), assertions: &assertionCheck{
		ctx: ctx, ws: ws, issuer: s.Issuer(ws), fetcher: s.Fetcher, secrets: s.Secrets, used: s.Store,
	}}
}

// Authenticate reads the client ev names and authenticates it.
func (s *Service) Authenticate(ctx context.Context, ws workspace.Workspace, ev ClientEvidence) (client.Client, error) {
	cl, err := s.Store.CachedClientByID(ctx, ws.Name, ev.ClientID)
	return s.clientAuth(ctx, ws).authenticate(cl, err, ev)
}

// authenticate hands ev to the authenticator of the method cl registered;
// cl and readErr are the result of reading the client ev names, which
// callers may read together with something else. Every failure that does
// not follow a proven secret reads the same ("client authentication
// failed") and spends the same hashing work, so callers cannot learn which
// client ids exist. An assertion's claims are checked first, for any
// client id alike; past them, an unknown client, a client of another
// method and a bad signature read the same too (errAssertionNotVerified).
func (a clientAuth) authenticate(cl client.Client, readErr error, ev ClientEvidence) (client.Client, error) {
	if ev.Assertion.present() {
		if a.assertions == nil {
			return client.Client{}, errInvalidClient("client assertions are not accepted here")
		}
		claims, err := a.assertions.precheck(ev, a.now)
		if err != nil {
			return client.Client{}, err
		}
		a.claims = claims
	}
	if errors.Is(readErr, store.ErrNotFound) {
		a.secrets.Verify(secret.PurposeClientSecret, ev.Secret, orZero(nil))
		return client.Client{}, a.unknownClient(ev)
	}
	if readErr != nil {
		return client.Client{}, readErr
	}
	// OIDC Registration §2: only the registered method is accepted.
	auth, ok := authenticators[cl.Metadata.AuthMethod()]
	if !ok || !auth.presented(ev) {
		return client.Client{}, a.refuseMethod(cl, ev)
	}
	if err := auth.verify(a, cl, ev); err != nil {
		return client.Client{}, err
	}
	// Said only once the caller proved it is the client: anyone else
	// learns nothing from the refusal.
	if cl.Disabled() {
		return client.Client{}, errInvalidClient("the client is disabled")
	}
	return cl, nil
}

// refuseMethod answers evidence of another method than cl registered.
// Saying which one is registered helps a developer, but only a caller who
// proved the secret may learn it; anyone else would learn that the id
// exists.
func (a clientAuth) refuseMethod(cl client.Client, ev ClientEvidence) error {
	if ev.Assertion.present() {
		a.assertions.spendDecoy(ev)
		return errAssertionNotVerified
	}
	secretOK := a.secrets.Verify(secret.PurposeClientSecret, ev.Secret, orZero(cl.SecretHash))
	if ev.Secret != "" && len(cl.SecretHash) > 0 && secretOK {
		return errInvalidClient("client authentication failed: the client is registered for %s", cl.Metadata.AuthMethod())
	}
	return errNoCredential(ev)
}

// errNoCredential is the refusal of evidence that proves nothing. When
// the caller sent only a client_id it says so, for a known client and an
// unknown one alike: most often a client certificate was not sent (curl
// without --cert, a proxy not forwarding it).
func errNoCredential(ev ClientEvidence) error {
	if ev.identifiesOnly() && len(ev.Certificates) == 0 {
		return errInvalidClient("client authentication failed: the request carries no credential (no client secret, client assertion or TLS client certificate)")
	}
	return errInvalidClient("client authentication failed")
}

// unknownClient answers evidence naming no client as it would a known
// client's wrong evidence of the same kind.
func (a clientAuth) unknownClient(ev ClientEvidence) error {
	if ev.Assertion.present() {
		a.assertions.spendDecoy(ev)
		return errAssertionNotVerified
	}
	if ev.identifiesOnly() && len(ev.Certificates) > 0 {
		// What a tls_client_auth client's certificate costs, so that the
		// time of a refusal does not tell whether the client exists.
		a.chains.verify(ev.Certificates, a.now)
	}
	return errNoCredential(ev)
}

// clientSecret verifies a client secret, wherever the request carried it.
type clientSecret struct{}

func (clientSecret) verify(a clientAuth, cl client.Client, ev ClientEvidence) error {
	if !a.secrets.Verify(secret.PurposeClientSecret, ev.Secret, orZero(cl.SecretHash)) {
		return errInvalidClient("client authentication failed")
	}
	return a.secretUnexpired(cl)
}

// secretUnexpired: RFC 7591 §3.2.1, an expired secret no longer
// authenticates, however it was proven.
func (a clientAuth) secretUnexpired(cl client.Client) error {
	if !cl.SecretExpiresAt.IsZero() && !a.now.Before(cl.SecretExpiresAt) {
		return errInvalidClient("client secret has expired")
	}
	return nil
}

// secretBasic is client_secret_basic: the secret in an Authorization:
// Basic header (RFC 6749 §2.3.1).
type secretBasic struct{ clientSecret }

func (secretBasic) presented(ev ClientEvidence) bool { return ev.Basic }

// secretPost is client_secret_post: client_id and client_secret in the
// body (RFC 6749 §2.3.1).
type secretPost struct{ clientSecret }

func (secretPost) presented(ev ClientEvidence) bool { return !ev.Basic && ev.Secret != "" }

// publicClient is none: a public client only names itself (RFC 7591 §2),
// so there is nothing to verify.
type publicClient struct{}

func (publicClient) presented(ev ClientEvidence) bool { return ev.identifiesOnly() }

func (publicClient) verify(clientAuth, client.Client, ClientEvidence) error { return nil }

// orZero stands in a hash no secret matches for a client that has none, so
// that every path spends the same hashing work.
func orZero(hash []byte) []byte {
	if len(hash) == 0 {
		return []byte{0}
	}
	return hash
}
