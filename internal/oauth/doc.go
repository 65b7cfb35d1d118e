// Package oauth is the OAuth 2.0 / OpenID Connect protocol layer: discovery
// (RFC 8414, OIDC Discovery), the JWKS document, the token endpoint
// (RFC 6749 §3.2, §4.4) with client authentication (§2.3.1), JWT access
// tokens (RFC 9068) or opaque ones, introspection (RFC 7662), revocation
// (RFC 7009), userinfo (OIDC Core §5.3) and the validation of authorization
// requests (RFC 6749 §4.1.1). The browser flow that carries those requests
// through sign-in and consent is internal/interact, which uses this
// package; this one must not import it.
//
// Handlers (handler.go) decode HTTP and encode results; Service methods hold
// the protocol rules; the store is reached only through the narrow
// interfaces the Service names. It must not import internal/server or any
// store implementation.
package oauth
