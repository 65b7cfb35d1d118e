// Package jose signs and verifies compact JWS (RFC 7515) and renders
// public keys as JWKs (RFC 7517), on github.com/lestrrat-go/jwx/v3.
//
// A Verifier checks a token against any KeySet (a workspace's keys; a
// client's jwks or a directory's jwks_uri are others) and an explicit
// algorithm allow-list (RFC 8725 §3.1): the token's own alg header never
// picks the algorithm, it must be in the list and be the alg of the key
// its kid names; "none" is never accepted; keys come only from the
// KeySet, never from jku, x5u, jwk or x5c headers (RFC 8725 §3.10).
// ParseHeader and CheckHeader hold those rules, for callers that need them
// apart from a Verifier.
//
// Storing, sealing, caching and rotating keys is not this package's work
// (see internal/keyring): a Signer holds one private key, a KeySet answers
// with public ones.
//
// A leaf package: of ours it imports only strictjson, never the store,
// services or handlers.
package jose
