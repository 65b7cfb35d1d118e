package jose

import (
	"bytes"
	"crypto"

	"github.com/registrar-dev/registrar/internal/memo"
)

// SignatureMemo remembers which public key verified a token, so that the
// same token presented again costs a lookup instead of a signature check.
// A signature's validity never changes, but whether its key may still be
// used does: a hit counts only if the key is among those the Verifier
// found for the token this time, from its key set as it is now, after the
// header checks. So a key the signer rotated out (as soon as the key set
// says so), an alg no longer allowed or a kid that names another key
// refuse a remembered token as they would a new one. Expiry and other
// claims are the caller's to check on every use, as without the memo.
// Failures are never remembered, and HMAC keys (which have no Equal) are
// never remembered either. A nil *SignatureMemo remembers nothing.
type SignatureMemo struct {
	verified *memo.Map[string, verifiedSignature]
}

type verifiedSignature struct {
	key     equalKey
	payload []byte // handed out as copies
}

// equalKey is what the standard library's public keys (ECDSA, RSA,
// Ed25519) implement.
type equalKey interface {
	Equal(crypto.PublicKey) bool
}

// NewSignatureMemo returns a memo of at most size tokens.
func NewSignatureMemo(size int) *SignatureMemo {
	return &SignatureMemo{verified: memo.New[string, verifiedSignature](size)}
}

// recall returns the payload of token, whose header is h, if one of keys
// verified it before; a key is held to its alg as verifyWith holds it.
func (m *SignatureMemo) recall(token string, h Header, keys []Key) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.verified.Get(token)
	if !ok {
		return nil, false
	}
	for _, k := range keys {
		if k.Alg == h.Alg && v.key.Equal(k.Public) {
			return bytes.Clone(v.payload), true
		}
	}
	return nil, false
}

// remember notes that key verified token.
func (m *SignatureMemo) remember(token string, key Key, payload []byte) {
	k, ok := key.Public.(equalKey)
	if m == nil || !ok {
		return
	}
	m.verified.Put(token, verifiedSignature{key: k, payload: bytes.Clone(payload)})
}
