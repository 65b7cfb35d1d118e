package keyring

import "github.com/registrar-dev/registrar/internal/jose"

// The Ring remembers successful verifications (memo.Map) so that
// introspecting the same access token again (resource servers do, per
// request) costs a hash instead of an ECDSA or RSA verification. A
// signature's validity never changes; whether the key is still published
// is checked on every hit. Failures are never remembered, so garbage
// cannot evict much faster than valid tokens arrive.
//
// verifyCacheSize bounds how many verified tokens are remembered. At a few
// hundred bytes of payload each this is a few megabytes.
const verifyCacheSize = 8192

// verifyKey names a token: the SHA-256 of its bytes within a workspace.
// Equal hashes mean equal tokens (collisions are infeasible), so a hit is
// as good as checking the signature again.
type verifyKey struct {
	ws  string
	sum [32]byte
}

// verifiedToken is what a successful verification established.
type verifiedToken struct {
	header  jose.Header
	payload []byte // never handed out: callers get copies
}
