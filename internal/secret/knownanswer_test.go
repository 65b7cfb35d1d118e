package secret

import (
	"encoding/hex"
	"testing"
)

// TestHashKnownAnswers pins the stored form of every secret: HMAC-SHA-256
// under the pepper of purpose, a zero byte, and the value. A change to the
// layout or to a purpose string would make every stored client secret and
// token hash unmatchable. The expected values were checked against an
// independent HMAC (Python's hmac).
func TestHashKnownAnswers(t *testing.T) {
	pepper := make([]byte, 32)
	for i := range pepper {
		pepper[i] = byte(i)
	}
	h := NewHasher(pepper)
	for purpose, want := range map[string]string{
		PurposeClientSecret:       "15f8acf15aa9825d323a7b1e5589824293e9bf0791386de0b25973430208e986",
		PurposeAccessToken:        "1999642c01259cb0cf80106e74421d4ca771d3a22fb5c9e5673f7095871281b5",
		PurposeRefreshToken:       "cb802d9cb9e0ad6aa82bcb8f72aed8e7bcc788a76240dbd6efe3fabcfc053ea3",
		PurposeAuthCode:           "ffe4e7af0346701487e938e451a863dccdd8471d456f8a1b45495b7bafe1823f",
		PurposeRegistrationToken:  "88767c83d4515cce399e09ed5e8a723ac464e5b1f22b04621255c5368b4f9d65",
		PurposeInitialAccessToken: "cb3cc19664279df7c09c96716fc2e47a1a7a86a54fea30cda1899a63197ebe1a",
	} {
		got := h.Hash(purpose, "value")
		if hex.EncodeToString(got) != want {
			t.Errorf("Hash(%q, \"value\") = %x, want %s: hashes stored before would no longer match", purpose, got, want)
		}
		stored, _ := hex.DecodeString(want)
		if !h.Verify(purpose, "value", stored) {
			t.Errorf("Verify(%q) refuses the stored hash of the right value", purpose)
		}
	}
}
