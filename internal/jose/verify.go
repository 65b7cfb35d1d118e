package jose

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/registrar-dev/registrar/internal/strictjson"
)

// ErrInvalidSignature is returned for any token that does not verify.
var ErrInvalidSignature = errors.New("invalid signature")

// maxTokenSize bounds what Verify will decode: our tokens are a few
// hundred bytes, and a stranger's megabyte should cost nothing.
const maxTokenSize = 16 << 10

var strictB64 = base64.RawURLEncoding.Strict()

// header is the part of a JOSE header verification looks at.
type header struct {
	Alg, Kid, Typ string
}

// Verify checks token is a compact JWS signed by one of ws's published keys
// (found by kid; alg must equal the key's alg), with header typ equal to
// typ (case-insensitive, "application/" prefix allowed, RFC 8725 §3.11;
// "" skips the check), and returns the payload. Any failure of the token
// wraps ErrInvalidSignature; a store failure is returned as is, so the
// caller can answer 503 rather than call a good token bad.
//
// Only the compact serialization is accepted, so a token carries exactly
// one signature (RFC 7515 §7.1); the JSON serialization, with its
// unprotected headers and multiple signatures, is refused. Expiry and
// other claims are the caller's to check.
func (k *KeyRing) Verify(ctx context.Context, ws, token, typ string) ([]byte, error) {
	if len(token) > maxTokenSize {
		return nil, fmt.Errorf("%w: token longer than %d bytes", ErrInvalidSignature, maxTokenSize)
	}
	id := verifyKey{ws: ws, sum: sha256.Sum256([]byte(token))}
	if hit, ok := k.verified.Get(id); ok {
		return k.fromCache(ctx, ws, hit, typ)
	}
	h, err := parseHeader(token)
	if err != nil {
		return nil, err
	}
	if err := checkTyp(h.Typ, typ); err != nil {
		return nil, err
	}
	sk, err := k.verifier(ctx, ws, h)
	if err != nil {
		return nil, err
	}
	payload, err := jws.VerifyCompactFast(sk.public, []byte(token), sk.alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	k.verified.Put(id, verifiedToken{kid: h.Kid, typ: h.Typ, payload: payload})
	return bytes.Clone(payload), nil
}

// fromCache answers for a token whose signature verified before: a
// signature stays valid, but the key must still be published and the
// caller's typ may differ from the last caller's.
func (k *KeyRing) fromCache(ctx context.Context, ws string, hit verifiedToken, typ string) ([]byte, error) {
	if err := checkTyp(hit.typ, typ); err != nil {
		return nil, err
	}
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	sk, ok := set.byKID[hit.kid]
	if !ok || !sk.published(k.now()) {
		return nil, fmt.Errorf("%w: key %q is no longer published", ErrInvalidSignature, hit.kid)
	}
	// A copy: the caller may modify what it gets.
	return bytes.Clone(hit.payload), nil
}

// verifier finds the key named by the header's kid, reloading once
// (rate-limited) when it is unknown: the token may be signed by a key
// another node just created.
func (k *KeyRing) verifier(ctx context.Context, ws string, h header) (*signingKey, error) {
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	sk, ok := set.byKID[h.Kid]
	if !ok {
		if set, err = k.set(ctx, ws, true); err != nil {
			return nil, err
		}
		if sk, ok = set.byKID[h.Kid]; !ok {
			return nil, fmt.Errorf("%w: unknown kid", ErrInvalidSignature)
		}
	}
	if !sk.published(k.now()) {
		return nil, fmt.Errorf("%w: key %q is no longer published", ErrInvalidSignature, h.Kid)
	}
	// RFC 8725 §3.1: the key decides the algorithm, not the token. This
	// also refuses "none" and an HMAC alg keyed with our public key.
	if h.Alg != sk.alg.String() {
		return nil, fmt.Errorf("%w: alg %q does not match the key", ErrInvalidSignature, h.Alg)
	}
	return sk, nil
}

// published reports whether the key may still verify at now: a retired
// key leaves at PublishUntil even if the snapshot predates that.
func (sk *signingKey) published(now time.Time) bool {
	return sk.publishUntil.IsZero() || now.Before(sk.publishUntil)
}

// parseHeader decodes the protected header strictly: duplicate members
// are refused (RFC 7515 §4), as is any crit (RFC 7515 §4.1.11: we
// understand no extensions, so b64=false of RFC 7797 is refused too).
func parseHeader(token string) (header, error) {
	var h header
	if strings.Count(token, ".") != 2 {
		return h, fmt.Errorf("%w: not a compact JWS", ErrInvalidSignature)
	}
	seg, rest, _ := strings.Cut(token, ".")
	// The signature is not covered by itself: only the canonical base64url
	// form is accepted, so one signature has one spelling (a replay cache
	// keyed on the token string cannot be dodged by flipping unused bits).
	if _, err := strictB64.DecodeString(rest[strings.IndexByte(rest, '.')+1:]); err != nil {
		return h, fmt.Errorf("%w: signature is not canonical base64url", ErrInvalidSignature)
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return h, fmt.Errorf("%w: header is not base64url", ErrInvalidSignature)
	}
	obj, err := strictjson.DecodeObject(raw)
	if err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrInvalidSignature, err)
	}
	// Members are read by exact name: "ALG" is not "alg".
	for name, dst := range map[string]*string{"alg": &h.Alg, "kid": &h.Kid, "typ": &h.Typ} {
		if v, ok := obj[name]; ok && json.Unmarshal(v, dst) != nil {
			return h, fmt.Errorf("%w: header %s is not a string", ErrInvalidSignature, name)
		}
	}
	for _, refused := range []string{"crit", "b64"} {
		if _, ok := obj[refused]; ok {
			return h, fmt.Errorf("%w: %s header is not supported", ErrInvalidSignature, refused)
		}
	}
	return h, nil
}

// checkTyp applies RFC 8725 §3.11 explicit typing: media types compare
// case-insensitively, and RFC 7515 §4.1.9 lets "application/" be omitted.
func checkTyp(got, want string) error {
	if want == "" || typMatches(got, want) {
		return nil
	}
	return fmt.Errorf("%w: typ %q, want %q", ErrInvalidSignature, got, want)
}

func typMatches(got, want string) bool {
	const prefix = "application/"
	got, want = strings.ToLower(got), strings.ToLower(want)
	return strings.TrimPrefix(got, prefix) == strings.TrimPrefix(want, prefix)
}
