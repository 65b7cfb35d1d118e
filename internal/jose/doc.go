// Package jose holds workspace signing keys and JWS signing/verification,
// on github.com/lestrrat-go/jwx/v3. Every verification takes an explicit
// algorithm allow-list tied to the key (RFC 8725 §3.1): the token's own
// `alg` header is never trusted to pick the algorithm, `none` is never
// accepted, and keys are never taken from `jku`/`x5u`/`jwk` headers
// (RFC 8725 §3.10).
//
// Private keys are stored only sealed (AES-256-GCM under a key derived
// from the master key, bound to workspace and kid). The KeyRing caches
// each workspace's opened keys and rendered JWK Set (RFC 7517 §5) so that
// signing and verifying never touch the database on a warm cache.
//
// A leaf package: it imports store (for the Keys contract), workspace
// (for the algorithm list) and strictjson, never services or handlers.
package jose
