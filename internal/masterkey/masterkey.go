// Package masterkey loads the server's master key and derives the purpose
// keys from it (key encryption, secret pepper) with HKDF-SHA-256, so one
// secret configures a node and no two uses share a key.
package masterkey

import "errors"

// Load returns the 32-byte master key: from envValue (base64 or hex of 32
// bytes) when non-empty, else from the file at path, which is created with
// mode 0600 and a fresh random key when it does not exist (created=true).
func Load(envValue, path string) (key []byte, created bool, err error) {
	return nil, false, errors.New("TODO")
}

// Derive returns a 32-byte key for purpose, derived from master by HKDF.
func Derive(master []byte, purpose string) []byte { return nil }

// Purposes for Derive.
const (
	PurposeKeyEncryption = "registrar key encryption v1"
	PurposeSecretPepper  = "registrar secret pepper v1"
)
