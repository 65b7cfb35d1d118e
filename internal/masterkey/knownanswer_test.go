package masterkey

import (
	"encoding/hex"
	"testing"
)

// knownMaster is the master key of the known-answer tests: bytes 0..31.
func knownMaster() []byte {
	m := make([]byte, Size)
	for i := range m {
		m[i] = byte(i)
	}
	return m
}

// TestDeriveKnownAnswers pins the derivation (HKDF-SHA-256, no salt, the
// purpose as info) and each purpose string: a change to either derives
// other keys from the same master, and every signing key and stored
// secret hash made before it becomes unreadable. The expected values were
// checked against an independent RFC 5869 implementation (Python's hmac).
func TestDeriveKnownAnswers(t *testing.T) {
	for purpose, want := range map[string]string{
		PurposeKeyEncryption: "ba64dab8b3cbb7378b212aee5c72165d23608b415585d465bd03b06e4414fdee",
		PurposeSecretPepper:  "a8e3b7ed1d89892bbb9b686848aa6f9bc3aa1501c285390fc55afec04fe31331",
		// A new derivation here would change every pairwise sub clients know users by.
		PurposePairwiseSubject: "7b64ee9696fedc105f6ab32062808d11242a02d3f589bd7b4ed480e7c462584d",
	} {
		if got := hex.EncodeToString(Derive(knownMaster(), purpose)); got != want {
			t.Errorf("Derive(master, %q) = %s, want %s: keys stored under the old derivation could no longer be read", purpose, got, want)
		}
	}
}
