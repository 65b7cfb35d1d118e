// Package jose holds workspace signing keys and JWS signing/verification,
// on github.com/lestrrat-go/jwx/v3. Every verification takes an explicit
// algorithm allow-list tied to the key (RFC 8725 §3.1): the token's own
// `alg` header is never trusted to pick the algorithm, `none` is never
// accepted, and keys are never taken from `jku`/`x5u`/`jwk` headers
// (RFC 8725 §3.10).
package jose

import (
	"context"
	"errors"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// Sealer encrypts private keys at rest with AES-256-GCM.
type Sealer struct{}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) { return nil, errors.New("TODO") }

// Seal encrypts plaintext bound to aad (the workspace and kid).
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) { return nil, errors.New("TODO") }

// Open decrypts what Seal produced with the same aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) { return nil, errors.New("TODO") }

// GenerateKey makes a new signing key for ws and alg (ES256: P-256;
// RS256/PS256: RSA 2048), sealing the private part.
func GenerateKey(ws, alg string, sealer *Sealer, now time.Time) (store.SigningKey, error) {
	return store.SigningKey{}, errors.New("TODO")
}

// KeyRing serves the signing keys of all workspaces from a cache refreshed
// from the store, so that a rotation done on one node (or by the CLI) is
// seen by every node within the refresh interval, and at once on an
// unknown kid.
type KeyRing struct{}

// NewKeyRing returns a KeyRing over keys.
func NewKeyRing(keys store.Keys, sealer *Sealer, now func() time.Time, refresh time.Duration) *KeyRing {
	return nil
}

// EnsureKeys creates an active key for every alg in workspace.SigningAlgs
// that has none. Safe to call concurrently from several nodes.
func (k *KeyRing) EnsureKeys(ctx context.Context, ws string) error { return errors.New("TODO") }

// Rotate adds a new active key for every alg, retiring the old ones; they
// stay published for publishFor (the longest token lifetime).
func (k *KeyRing) Rotate(ctx context.Context, ws string, publishFor time.Duration) ([]store.SigningKey, error) {
	return nil, errors.New("TODO")
}

// JWKS returns the workspace's public JWK Set as JSON: active keys and
// retired keys still to be published, each with kid, alg and use "sig".
func (k *KeyRing) JWKS(ctx context.Context, ws string) ([]byte, error) { return nil, errors.New("TODO") }

// Sign serialises claims with encoding/json and signs them as a compact JWS
// with the active key of alg, with protected headers alg, kid and typ.
func (k *KeyRing) Sign(ctx context.Context, ws, alg, typ string, claims any) (string, error) {
	return "", errors.New("TODO")
}

// ErrInvalidSignature is returned for any token that does not verify.
var ErrInvalidSignature = errors.New("invalid signature")

// Verify checks token is a compact JWS signed by one of ws's published keys
// (found by kid; alg must equal the key's alg), with header typ equal to
// typ (case-insensitive; "" skips the check), and returns the payload.
// Any failure wraps ErrInvalidSignature.
func (k *KeyRing) Verify(ctx context.Context, ws, token, typ string) ([]byte, error) {
	return nil, errors.New("TODO")
}
