package jose

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/registrar-dev/registrar/internal/memo"
	"github.com/registrar-dev/registrar/internal/strictjson"
)

// ErrInvalidSignature is returned for any token that does not verify, its
// header included.
var ErrInvalidSignature = errors.New("invalid signature")

// ErrUnknownKey is what a KeySet answers for a kid it has no key for; the
// Verifier reports it as an invalid signature.
var ErrUnknownKey = errors.New("unknown key")

// Key is a public key that verifies signatures of one algorithm.
type Key struct {
	// Alg is the only algorithm the key verifies (RFC 8725 §3.1).
	Alg    string
	Public crypto.PublicKey
}

// KeySet is where a Verifier finds keys: a workspace's published keys, a
// client's registered jwks, a directory's jwks_uri.
type KeySet interface {
	// Key returns the key kid names. An error wrapping ErrUnknownKey
	// means there is none (the token is bad); any other error is the set
	// failing (a database, a fetch) and reaches the caller as is, so it
	// can answer 503 rather than call a good token bad.
	Key(ctx context.Context, kid string) (Key, error)
}

// Verifier checks compact JWS against a key set.
type Verifier struct {
	Keys KeySet
	// Algs is the allow-list: a token whose alg is not in it is refused
	// before any key is looked up (RFC 8725 §3.1).
	Algs []string
	// Typ is the header typ required (see CheckHeader); "" skips the check.
	Typ string
	// RequireKid refuses a token whose header names no kid. Without it, a
	// CandidateKeySet tries each of its keys that fits the alg.
	RequireKid bool
	// Memo, when set, remembers tokens verified, for tokens presented
	// again and again (a software statement is sent with every
	// registration of its software).
	Memo *SignatureMemo
}

// keys returns the keys that may verify a token with header h.
func (v Verifier) keys(ctx context.Context, h Header) ([]Key, error) {
	if cs, ok := v.Keys.(CandidateKeySet); ok {
		return cs.Candidates(ctx, h.Kid, h.Alg)
	}
	key, err := v.Keys.Key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}
	return []Key{key}, nil
}

// verifyWith checks token's signature with key.
func verifyWith(key Key, h Header, token string) ([]byte, error) {
	// RFC 8725 §3.1: the key decides the algorithm, not the token. This
	// also refuses an HMAC alg keyed with a public key.
	if h.Alg != key.Alg {
		return nil, fmt.Errorf("%w: alg %q does not match the key", ErrInvalidSignature, h.Alg)
	}
	alg, err := sigAlg(key.Alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	payload, err := jws.VerifyCompactFast(key.Public, []byte(token), alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	return payload, nil
}

// Verify checks token is a compact JWS whose header passes ParseHeader and
// CheckHeader, signed by the key of v.Keys its kid names, with alg equal to
// that key's alg, and returns the payload and the header. Any failure of the
// token wraps ErrInvalidSignature; a failure of the key set is returned as
// is.
//
// Only the compact serialization is accepted, so a token carries exactly
// one signature (RFC 7515 §7.1); the JSON serialization, with its
// unprotected headers and multiple signatures, is refused. Expiry and
// other claims are the caller's to check.
func (v Verifier) Verify(ctx context.Context, token string) ([]byte, Header, error) {
	h, err := ParseHeader(token)
	if err != nil {
		return nil, h, err
	}
	if err := CheckHeader(h, v.Algs, v.Typ); err != nil {
		return nil, h, err
	}
	if v.RequireKid && h.Kid == "" {
		return nil, h, fmt.Errorf("%w: the header names no kid", ErrInvalidSignature)
	}
	keys, err := v.keys(ctx, h)
	if errors.Is(err, ErrUnknownKey) {
		return nil, h, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	if err != nil {
		return nil, h, err
	}
	if payload, ok := v.Memo.recall(token, h, keys); ok {
		return payload, h, nil
	}
	var payload []byte
	for _, key := range keys {
		if payload, err = verifyWith(key, h, token); err == nil {
			v.Memo.remember(token, key, payload)
			break
		}
	}
	if err != nil {
		return nil, h, err
	}
	return payload, h, nil
}

// MaxTokenSize bounds what ParseHeader will decode: our tokens are a few
// hundred bytes, and a stranger's megabyte should cost nothing.
const MaxTokenSize = 16 << 10

// CheckSize refuses a token longer than MaxTokenSize, before anything
// (parsing, hashing) spends time on it.
func CheckSize(token string) error {
	if len(token) > MaxTokenSize {
		return fmt.Errorf("%w: token longer than %d bytes", ErrInvalidSignature, MaxTokenSize)
	}
	return nil
}

// Header is what verification reads of a protected header. Members that
// carry or point to a key (jku, jwk, x5u, x5c) are deliberately not read:
// keys come from the verifier's KeySet only (RFC 8725 §3.10), so nothing
// can use them.
type Header struct {
	Alg, Kid, Typ string
	// HasCrit: a crit member is present (RFC 7515 §4.1.11).
	HasCrit bool
	// HasB64: a b64 member is present (RFC 7797 §3).
	HasB64 bool
}

var strictB64 = base64.RawURLEncoding.Strict()

// ParseHeader decodes the protected header of a compact JWS strictly:
// a token over MaxTokenSize, a non-canonical signature encoding, duplicate
// members (RFC 7515 §4) and alg, kid or typ that are not strings are
// refused. Members are read by exact name: "ALG" is not "alg".
func ParseHeader(token string) (Header, error) {
	var h Header
	if err := CheckSize(token); err != nil {
		return h, err
	}
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
	if remembered, ok := parsedHeaders.Get(seg); ok {
		return remembered, nil
	}
	h, err := parseHeaderSegment(seg)
	if err == nil && len(seg) <= maxRememberedHeader {
		parsedHeaders.Put(seg, h)
	}
	return h, err
}

// A client or a directory signs every token with the same header, so
// headers parsed are remembered by their encoded segment (the header is
// a function of those bytes alone); the checks of the rest of the token
// above run every time. Only headers of a usual size are kept, so the
// memo stays small whatever strangers send.
const maxRememberedHeader = 512

var parsedHeaders = memo.New[string, Header](1024)

// parseHeaderSegment decodes a protected header's base64url segment.
func parseHeaderSegment(seg string) (Header, error) {
	var h Header
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return h, fmt.Errorf("%w: header is not base64url", ErrInvalidSignature)
	}
	obj, err := strictjson.DecodeNamedObject("its header", raw)
	if err != nil {
		return h, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	for name, dst := range map[string]*string{"alg": &h.Alg, "kid": &h.Kid, "typ": &h.Typ} {
		if v, ok := obj[name]; ok && json.Unmarshal(v, dst) != nil {
			return h, fmt.Errorf("%w: header %s is not a string", ErrInvalidSignature, name)
		}
	}
	_, h.HasCrit = obj["crit"]
	_, h.HasB64 = obj["b64"]
	return h, nil
}

// CheckHeader applies the rules a header must pass before any key is
// looked up:
//   - alg is not "none" (RFC 8725 §3.2), even if algs lists it, and is in
//     algs, the caller's allow-list (RFC 8725 §3.1);
//   - no crit: we understand no extension, so RFC 7515 §4.1.11 has us
//     refuse any token that demands one; b64 (RFC 7797), which changes
//     what the signature covers, is refused with or without crit;
//   - typ equals typ (explicit typing, RFC 8725 §3.11), compared
//     case-insensitively, with the "application/" prefix optional
//     (RFC 7515 §4.1.9); typ "" skips the check.
//
// Every failure wraps ErrInvalidSignature.
func CheckHeader(h Header, algs []string, typ string) error {
	if h.Alg == "none" || !slices.Contains(algs, h.Alg) {
		return fmt.Errorf("%w: alg %q is not allowed", ErrInvalidSignature, h.Alg)
	}
	if h.HasCrit {
		return fmt.Errorf("%w: crit header is not supported", ErrInvalidSignature)
	}
	if h.HasB64 {
		return fmt.Errorf("%w: b64 header is not supported", ErrInvalidSignature)
	}
	if typ != "" && !typMatches(h.Typ, typ) {
		return fmt.Errorf("%w: typ %q, want %q", ErrInvalidSignature, h.Typ, typ)
	}
	return nil
}

func typMatches(got, want string) bool {
	const prefix = "application/"
	got, want = strings.ToLower(got), strings.ToLower(want)
	return strings.TrimPrefix(got, prefix) == strings.TrimPrefix(want, prefix)
}
