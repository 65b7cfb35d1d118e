package jose

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// Sign serialises claims with encoding/json and signs them as a compact JWS
// (RFC 7515 §7.1) with the key of alg that signs now (see Rotate), with
// protected headers alg, kid and typ (typ omitted when ""). No jku, x5u or
// jwk header is ever set: verifiers must find our keys through our JWKS
// (RFC 8725 §3.10).
//
// Sign runs on every token request, so it assembles the compact form
// itself around jwx's signature primitive (jwsbb.Sign): the encoded
// header is computed once per key and typ, and nothing is parsed per call.
func (k *KeyRing) Sign(ctx context.Context, ws, alg, typ string, claims any) (string, error) {
	sk, err := k.signer(ctx, ws, alg)
	if err != nil {
		return "", err
	}
	hdr, err := sk.encodedHeader(typ)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(hdr)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(maxSigSize))
	buf = append(append(buf, hdr...), '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := jwsbb.Sign(sk.private, sk.alg.String(), buf, nil)
	if err != nil {
		return "", fmt.Errorf("sign with %s key %s: %w", alg, sk.kid, err)
	}
	buf = enc.AppendEncode(append(buf, '.'), sig)
	return string(buf), nil
}

// maxSigSize is the largest signature we produce (RSA 2048: 256 bytes;
// ES256: 64), for sizing the output buffer once.
const maxSigSize = 256

// signer returns the key of ws that signs for alg now. A missing one
// forces a reload (rate-limited): the workspace may just have got keys on
// another node.
func (k *KeyRing) signer(ctx context.Context, ws, alg string) (*signingKey, error) {
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

// protectedHeader is the whole JOSE header we emit, in a fixed order.
type protectedHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ,omitempty"`
}

// encodedHeader returns base64url(JSON header) for typ, cached on the key:
// callers use a handful of typ values (JWT, at+jwt, …).
func (sk *signingKey) encodedHeader(typ string) ([]byte, error) {
	if v, ok := sk.headers.Load(typ); ok {
		return v.([]byte), nil
	}
	raw, err := json.Marshal(protectedHeader{Alg: sk.alg.String(), Kid: sk.kid, Typ: typ})
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding.AppendEncode(nil, raw)
	sk.headers.Store(typ, enc)
	return enc, nil
}
