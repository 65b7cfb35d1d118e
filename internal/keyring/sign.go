package keyring

import (
	"context"
	"fmt"
)

// Sign signs claims as a compact JWS (see jose.Signer.Sign) with the key
// of ws and alg that signs now (see Rotate).
func (k *Ring) Sign(ctx context.Context, ws, alg, typ string, claims any) (string, error) {
	sk, err := k.signer(ctx, ws, alg)
	if err != nil {
		return "", err
	}
	return sk.signer.Sign(typ, claims)
}

// signer returns the key of ws that signs for alg now. A missing one
// forces a reload (rate-limited): the workspace may just have got keys on
// another node.
func (k *Ring) signer(ctx context.Context, ws, alg string) (*signingKey, error) {
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	if sk, ok := set.signer(alg, k.now); ok {
		return sk, nil
	}
	if set, err = k.set(ctx, ws, true); err != nil {
		return nil, err
	}
	if sk, ok := set.signer(alg, k.now); ok {
		return sk, nil
	}
	return nil, fmt.Errorf("workspace %s has no active %s key", ws, alg)
}
