package keyring

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Verify checks token is a compact JWS signed by one of ws's published keys
// (see jose.Verifier: alg must be one of workspace.SigningAlgs and equal
// the key's alg), with header typ equal to typ ("" skips the check), and
// returns the payload. Any failure of the token wraps
// jose.ErrInvalidSignature; a store failure is returned as is, so the
// caller can answer 503 rather than call a good token bad.
func (k *Ring) Verify(ctx context.Context, ws, token, typ string) ([]byte, error) {
	if err := jose.CheckSize(token); err != nil {
		return nil, err
	}
	id := verifyKey{ws: ws, sum: sha256.Sum256([]byte(token))}
	if hit, ok := k.verified.Get(id); ok {
		return k.fromCache(ctx, ws, hit, typ)
	}
	v := jose.Verifier{Keys: k.KeySet(ws), Algs: workspace.SigningAlgs, Typ: typ}
	payload, h, err := v.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	k.verified.Put(id, verifiedToken{header: h, payload: payload})
	return bytes.Clone(payload), nil
}

// fromCache answers for a token whose signature verified before: a
// signature stays valid, but the key must still be published and the
// caller's typ may differ from the last caller's.
func (k *Ring) fromCache(ctx context.Context, ws string, hit verifiedToken, typ string) ([]byte, error) {
	if err := jose.CheckHeader(hit.header, workspace.SigningAlgs, typ); err != nil {
		return nil, err
	}
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	sk, ok := set.byKID[hit.header.Kid]
	if !ok || !sk.published(k.now()) {
		return nil, fmt.Errorf("%w: key %q is no longer published", jose.ErrInvalidSignature, hit.header.Kid)
	}
	// A copy: the caller may modify what it gets.
	return bytes.Clone(hit.payload), nil
}

// KeySet returns ws's published keys, for a jose.Verifier.
func (k *Ring) KeySet(ws string) jose.KeySet { return workspaceKeys{ring: k, ws: ws} }

type workspaceKeys struct {
	ring *Ring
	ws   string
}

// Key finds the key kid names, reloading once (rate-limited) when it is
// unknown: the token may be signed by a key another node just created.
func (w workspaceKeys) Key(ctx context.Context, kid string) (jose.Key, error) {
	set, err := w.ring.set(ctx, w.ws, false)
	if err != nil {
		return jose.Key{}, err
	}
	sk, ok := set.byKID[kid]
	if !ok {
		if set, err = w.ring.set(ctx, w.ws, true); err != nil {
			return jose.Key{}, err
		}
		if sk, ok = set.byKID[kid]; !ok {
			return jose.Key{}, fmt.Errorf("kid %q: %w", kid, jose.ErrUnknownKey)
		}
	}
	if !sk.published(w.ring.now()) {
		return jose.Key{}, fmt.Errorf("key %q is no longer published: %w", kid, jose.ErrUnknownKey)
	}
	return sk.verify, nil
}

// published reports whether the key may still verify at now: a retired
// key leaves at PublishUntil even if the snapshot predates that.
func (sk *signingKey) published(now time.Time) bool {
	return sk.publishUntil.IsZero() || now.Before(sk.publishUntil)
}
