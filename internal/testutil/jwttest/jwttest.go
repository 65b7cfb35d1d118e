// Package jwttest holds what the tests of the JWT code share: reading a
// token's protected header, and the typ header forms a verifier must
// accept or refuse.
package jwttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// Header decodes a compact JWS's protected header.
func Header(tb testing.TB, tok string) map[string]any {
	tb.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		tb.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

// TypForm is a typ a token is signed with, the typ a verifier wants, and
// whether they match.
type TypForm struct {
	Signed, Want string
	OK           bool
}

// TypForms: typ compares case-insensitively and may carry the
// "application/" prefix (RFC 8725 §3.11, RFC 7515 §4.1.9); a verifier
// that wants no typ takes any.
var TypForms = []TypForm{
	{"at+jwt", "at+jwt", true},
	{"AT+JWT", "at+jwt", true},
	{"application/at+jwt", "at+jwt", true},
	{"Application/AT+JWT", "at+jwt", true},
	{"at+jwt", "application/at+jwt", true},
	{"JWT", "JWT", true},
	{"jwt", "JWT", true},
	{"at+jwt", "JWT", false},
	{"JWT", "at+jwt", false},
	{"application/jwt", "at+jwt", false},
	{"text/at+jwt", "at+jwt", false},
	{"", "at+jwt", false},
	{"anything", "", true},
}

// Forge builds a compact JWS with the given header over payload, signed
// (or not) by sign: tokens no well-behaved signer would make.
func Forge(header map[string]any, payload string, sign func([]byte) []byte) string {
	h, _ := json.Marshal(header)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	return in + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(in)))
}

// NoSig signs nothing, for Forge: an empty signature.
func NoSig([]byte) []byte { return nil }

// HMACWith signs with HMAC-SHA256 under secret, for Forge: what an
// attacker does with a public key as the secret (alg confusion).
func HMACWith(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}
