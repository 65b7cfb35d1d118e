// Package registration is Dynamic Client Registration: RFC 7591 (register),
// RFC 7592 (read, update, delete with a registration access token) and
// OpenID Connect Dynamic Client Registration 1.0.
//
// Register is a pipeline of small steps, each in its own file:
// authorize (initial access token, access token with the registration
// scope, or open) → decode and validate metadata (internal/client) →
// process (ids, secret, registration access token) → store (consuming the
// credential in the same commit) → respond. Later protection modes
// (software statements, signed bodies, policies, templates) add steps.
//
// It imports oauth (to verify access tokens used as initial access
// tokens) and the store contract; never internal/server.
package registration
