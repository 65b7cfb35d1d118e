// Package masterkey loads the server's master key and derives the purpose
// keys from it (key encryption, secret pepper, form sealing) with
// HKDF-SHA-256 (RFC 5869), so one secret configures a node and no two uses
// share a key.
package masterkey

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Size is the master key length in bytes.
const Size = 32

// Purposes for Derive.
const (
	PurposeKeyEncryption = "registrar key encryption v1"
	PurposeSecretPepper  = "registrar secret pepper v1"
)

// Load returns the 32-byte master key: from envValue (base64 or hex of 32
// bytes) when non-empty, else from the file at path, which is created with
// mode 0600 and a fresh random key when it does not exist (created=true).
func Load(envValue, path string) (key []byte, created bool, err error) {
	if envValue != "" {
		key, err := parse(envValue)
		if err != nil {
			return nil, false, fmt.Errorf("REGISTRAR_MASTER_KEY: %w", err)
		}
		return key, false, nil
	}
	if path == "" {
		return nil, false, errors.New("no master key: set REGISTRAR_MASTER_KEY or a key file")
	}
	key, err = readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return create(path)
	}
	return key, false, err
}

// parse accepts base64 (standard or URL alphabet, padded or not) or hex.
func parse(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*Size {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == Size {
			return b, nil
		}
	}
	return nil, fmt.Errorf("must be %d bytes as base64 or hex", Size)
}

func readFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// Refuse a key others can read: it decrypts every signing key.
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s has mode %v; it must be readable by its owner only (chmod 600)", path, info.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return key, nil
}

// create writes a new key with O_EXCL: if another process created the file
// meanwhile, its key is used instead, so two first starts agree.
func create(path string) ([]byte, bool, error) {
	key := make([]byte, Size)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		key, err := readFile(path)
		return key, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("create master key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("write master key file: %w", werr)
	}
	return key, true, nil
}

// Derive returns a 32-byte key for purpose, derived from master by HKDF.
func Derive(master []byte, purpose string) []byte {
	key, err := hkdf.Key(sha256.New, master, nil, purpose, Size)
	if err != nil {
		panic("hkdf: " + err.Error()) // only for lengths > 255*32, never ours
	}
	return key
}
