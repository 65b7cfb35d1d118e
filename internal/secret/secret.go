// Package secret makes and checks the server's high-entropy values: client
// secrets, opaque tokens, registration and initial access tokens.
//
// These values are random and at least 256 bits strong, so a slow password
// hash (bcrypt, pbkdf2) buys nothing against guessing and costs tens of
// milliseconds per token request. Instead they are stored as HMAC-SHA-256
// under a server-side pepper: a stolen database alone cannot be used to
// check a guess, and verification costs a microsecond. RFC 6749 §10.10 asks
// for guess probability ≤ 2^-128; 256 bits gives ample margin.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"io"
	"time"
)

// Size is the number of random bytes in every generated secret.
const Size = 32

// Generate returns a new random value, base64url without padding (43 chars).
func Generate(r io.Reader) (string, error) {
	return GenerateSize(r, Size)
}

// GenerateSize is Generate with n random bytes.
func GenerateSize(r io.Reader, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ID returns a random identifier of n bytes, base64url: for client ids and
// token ids, which must be unguessable but are not secrets.
func ID(r io.Reader, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Hasher computes keyed hashes of secrets under a pepper that never leaves
// the server process.
type Hasher struct {
	pepper []byte
}

// NewHasher returns a Hasher keyed with pepper (at least 32 bytes).
func NewHasher(pepper []byte) *Hasher {
	return &Hasher{pepper: append([]byte(nil), pepper...)}
}

// Hash returns HMAC-SHA-256(pepper, purpose || 0 || value). The purpose
// separates domains so a client secret can never pass as a token hash.
func (h *Hasher) Hash(purpose, value string) []byte {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// Verify reports whether value hashes to want, in constant time.
func (h *Hasher) Verify(purpose, value string, want []byte) bool {
	if len(want) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(h.Hash(purpose, value), want) == 1
}

// Purposes for Hash.
const (
	PurposeClientSecret       = "client_secret"
	PurposeAccessToken        = "access_token"
	PurposeRefreshToken       = "refresh_token"
	PurposeAuthCode           = "authorization_code"
	PurposeRegistrationToken  = "registration_access_token"
	PurposeInitialAccessToken = "initial_access_token"
	PurposeSession            = "session"
	PurposeIdempotencyKey     = "idempotency_key"
	PurposeReplayedRequest    = "replayed_request"
	PurposeAdminToken         = "admin_token"
)

// sortableAlphabet is base32 with its digits in ASCII order, so encoded
// ids sort as their bytes do.
const sortableAlphabet = "0123456789abcdefghijklmnopqrstuv"

var sortableEncoding = base32.NewEncoding(sortableAlphabet).WithPadding(base32.NoPadding)

// TimeOrderedID returns an identifier that starts with the time in
// milliseconds and ends with 80 random bits (the layout of a UUIDv7), in
// an encoding that sorts like its bytes. Stored under a B-tree index, ids
// made one after another land on the same last page instead of a random
// one each: for token records, written on every token request, that is
// fewer pages to write per commit.
func TimeOrderedID(now time.Time, r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := io.ReadFull(r, b[6:]); err != nil {
		return "", err
	}
	return sortableEncoding.EncodeToString(b[:]), nil
}
