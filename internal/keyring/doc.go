// Package keyring keeps the signing keys of every workspace: it generates
// them (sealed under the master key before they reach the store), rotates
// them with an overlap, and serves signing, verification (each workspace's
// keys as a jose.KeySet) and the JWKS (RFC 7517 §5) from a per-workspace
// snapshot, so that a warm node never touches the database for them.
//
// It imports jose, masterkey, memo, store and workspace; never services or
// handlers.
package keyring
