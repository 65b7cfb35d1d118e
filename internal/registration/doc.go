// Package registration is Dynamic Client Registration: RFC 7591 (register),
// RFC 7592 (read, update, delete with a registration access token) and
// OpenID Connect Dynamic Client Registration 1.0.
//
// The handler reads the body with the decoder of its content type
// (body.go). Register is then a sequence of named steps: authorize (the
// authorizer of the workspace's mode: authorize.go, initialtoken.go) →
// decode metadata → validate it against the allow-lists (metadata.go,
// allowlists.go, internal/client) → check the documents a jwks_uri or
// sector_identifier_uri points at, fetched through internal/fetch
// (remote.go) → process (ids, secret, registration
// access token) → store (consuming the credential in the same commit) →
// respond (response.go). Software statements, templates and policies have
// their places marked in Register. RFC 7592 calls are authenticated by the
// management authenticator of the workspace's profile
// (registrationtoken.go). Every decision is audited (audit.go).
//
// It imports the store contract and the client leaf; never internal/oauth
// (access tokens are verified through TokenVerifier) nor internal/server.
package registration
