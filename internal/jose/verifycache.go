package jose

import "sync"

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
	kid, typ string
	payload  []byte // never handed out: callers get copies
}

// verifyCache remembers successful verifications so that introspecting the
// same access token again (resource servers do, per request) costs a hash
// instead of an ECDSA or RSA verification. A signature's validity never
// changes; whether the key is still published is checked on every hit.
//
// It is bounded with two generations: when the current map is full it
// becomes the previous one and the oldest generation is dropped; a hit in
// the previous generation is promoted. Failures are never cached, so
// garbage cannot evict much faster than valid tokens arrive.
type verifyCache struct {
	mu       sync.Mutex
	max      int // entries per generation
	cur, old map[verifyKey]verifiedToken
}

func newVerifyCache(size int) *verifyCache {
	return &verifyCache{max: size / 2, cur: map[verifyKey]verifiedToken{}}
}

// get and put on a nil cache do nothing (caching off).
func (c *verifyCache) get(k verifyKey) (verifiedToken, bool) {
	if c == nil {
		return verifiedToken{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.old[k]
	if ok {
		c.putLocked(k, v)
	}
	return v, ok
}

func (c *verifyCache) put(k verifyKey, v verifiedToken) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *verifyCache) putLocked(k verifyKey, v verifiedToken) {
	if len(c.cur) >= c.max {
		c.old, c.cur = c.cur, make(map[verifyKey]verifiedToken, c.max)
	}
	c.cur[k] = v
}
