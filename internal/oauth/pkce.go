package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE methods (RFC 7636 §4.2). plain is refused unless a workspace
// enables it: RFC 9700 §2.1.1 says use S256.
const (
	PKCES256  = "S256"
	PKCEPlain = "plain"
)

// validPKCEValue: RFC 7636 §4.1 — 43 to 128 characters of
// [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". The challenge has the same
// shape (§4.2; an S256 challenge is always 43 characters).
func validPKCEValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// verifyPKCE checks verifier against the challenge bound to the code
// (RFC 7636 §4.6), in constant time.
func verifyPKCE(method, challenge, verifier string) bool {
	if !validPKCEValue(verifier) {
		return false
	}
	var computed string
	switch method {
	case PKCES256:
		sum := sha256.Sum256([]byte(verifier))
		computed = base64.RawURLEncoding.EncodeToString(sum[:])
	case PKCEPlain:
		computed = verifier
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) == 1
}
