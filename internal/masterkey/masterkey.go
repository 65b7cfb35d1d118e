package masterkey

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Size is the master key length in bytes.
const Size = 32

// Purposes for Derive.
const (
	PurposeKeyEncryption = "registrar key encryption v1"
	PurposeSecretPepper  = "registrar secret pepper v1"
	// PurposePairwiseSubject keys the pairwise subject identifiers users
	// are shown under (OIDC Core §8.1): every node derives the same key,
	// so a user's sub is the same on each and after restarts.
	PurposePairwiseSubject = "registrar pairwise subject v1"
)

// Load returns the 32-byte master key: from envValue (base64 or hex of 32
// bytes) when non-empty, else from the file at path, which is created with
// mode 0600 and a fresh random key when it does not exist (created=true).
func Load(envValue, path string) (key []byte, created bool, err error) {
	return load(envValue, path, true)
}

// LoadExisting is Load for a command that must not create a key: a file
// that does not exist is an error wrapping fs.ErrNotExist.
func LoadExisting(envValue, path string) ([]byte, error) {
	key, _, err := load(envValue, path, false)
	return key, err
}

func load(envValue, path string, mayCreate bool) (key []byte, created bool, err error) {
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
	if errors.Is(err, fs.ErrNotExist) && mayCreate {
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
	// The value is a secret: the message describes it without echoing it.
	return nil, fmt.Errorf("must be %d random bytes encoded as base64 (standard or URL alphabet, padded or not) or as %d hex digits; got %d characters that are neither", Size, 2*Size, len(s))
}

// readFile reads the key through one open file, so the mode checked is
// the mode of the file read.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Refuse a key others can read: it decrypts every signing key.
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s has mode %v, looser than 0600; it must be readable by its owner only (chmod 600 %s)", path, info.Mode().Perm(), path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, err
	}
	key, err := parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return key, nil
}

// create writes a fresh key so that no reader ever sees a half-written
// file: the key goes to a private temporary file in the same directory,
// is synced, and is then hard-linked to path, which (like O_EXCL) fails
// when path exists. If another process won the race, its key is read and
// used instead, so two first starts agree on one key.
func create(path string) ([]byte, bool, error) {
	key := make([]byte, Size)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	tmp, err := writeTemp(filepath.Dir(path), key)
	if err != nil {
		return nil, false, fmt.Errorf("create master key file: %w", err)
	}
	defer os.Remove(tmp)
	switch err := os.Link(tmp, path); {
	case err == nil:
		return key, true, nil
	case errors.Is(err, fs.ErrExist):
		key, err := readFile(path)
		return key, false, err
	default:
		// Some filesystems have no hard links; O_EXCL still gives one
		// winner, at the cost of a window where the file is empty.
		return createExcl(path, key)
	}
}

// writeTemp writes key as base64 text to a new 0600 file in dir and
// syncs it: losing the master key would make every signing key
// unreadable.
func writeTemp(dir string, key []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".registrar-key-*") // CreateTemp uses mode 0600
	if err != nil {
		return "", err
	}
	err = writeKey(f, key)
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// writeKey writes, syncs and closes f.
func writeKey(f *os.File, key []byte) error {
	_, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func createExcl(path string, key []byte) ([]byte, bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		key, err := readFile(path)
		return key, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("create master key file: %w", err)
	}
	if err := writeKey(f, key); err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("write master key file: %w", err)
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
