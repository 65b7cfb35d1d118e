package masterkey

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestFileCreatedOnceWithOwnerOnlyMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	k1, created, err := Load("", path)
	if err != nil || !created || len(k1) != Size {
		t.Fatalf("first load: %v created=%v len=%d", err, created, len(k1))
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
	k2, created, err := Load("", path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: %v created=%v same=%v", err, created, bytes.Equal(k1, k2))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".registrar-key-*")); len(leftovers) != 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
}

// Two nodes starting at once on a shared volume must agree on one key:
// exactly one creates it, every other reads the winner's.
func TestConcurrentFirstLoadsAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	const n = 8
	keys := make([][]byte, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], created[i], errs[i] = Load("", path) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("load %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("load %d got a different key", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d loads report creating the file, want 1", creators)
	}
}

func TestLooseFileModeRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(make([]byte, Size))), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load("", path)
	if err == nil || !strings.Contains(err.Error(), "0600") {
		t.Fatalf("a world-readable key file: err = %v, want one naming 0600", err)
	}
}

func TestStricterFileModeAccepted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	raw := bytes.Repeat([]byte{3}, Size)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(raw)+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	k, created, err := Load("", path)
	if err != nil || created || !bytes.Equal(k, raw) {
		t.Fatalf("0400 file: %x created=%v %v", k, created, err)
	}
}

func TestCorruptFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load("", path); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}

func TestEnvForms(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb}, Size) // 0xfb makes '+' / '-' appear, so the alphabets differ
	forms := []struct{ name, value string }{
		{"std padded", base64.StdEncoding.EncodeToString(raw)},
		{"std raw", base64.RawStdEncoding.EncodeToString(raw)},
		{"url padded", base64.URLEncoding.EncodeToString(raw)},
		{"url raw", base64.RawURLEncoding.EncodeToString(raw)},
		{"hex", hex.EncodeToString(raw)},
		{"hex upper with newline", strings.ToUpper(hex.EncodeToString(raw)) + "\n"},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			k, created, err := Load(f.value, "")
			if err != nil || created || !bytes.Equal(k, raw) {
				t.Fatalf("Load(%q) = %x, %v, %v", f.value, k, created, err)
			}
		})
	}
}

func TestBadEnvRefused(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, Size)
	bad := []struct{ name, value string }{
		{"too short", "short"},
		{"16 bytes base64", base64.StdEncoding.EncodeToString(raw[:16])},
		{"33 bytes base64", base64.StdEncoding.EncodeToString(append(raw, 1))},
		{"hex with a non-hex digit", "zz" + hex.EncodeToString(raw)[2:]},
		{"31 bytes hex", hex.EncodeToString(raw[:31])},
		{"passphrase", "correct horse battery staple correct horse battery"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, _, err := Load(b.value, filepath.Join(t.TempDir(), "unused"))
			if err == nil {
				t.Fatalf("Load(%q) accepted", b.value)
			}
			if strings.Contains(err.Error(), b.value) {
				t.Fatalf("error echoes the secret: %v", err)
			}
		})
	}
}

func TestNoKeyAtAll(t *testing.T) {
	if _, _, err := Load("", ""); err == nil {
		t.Fatal("no env value and no path: want an error")
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	m := bytes.Repeat([]byte{1}, Size)
	a, b := Derive(m, PurposeKeyEncryption), Derive(m, PurposeSecretPepper)
	if bytes.Equal(a, b) || len(a) != Size || !bytes.Equal(a, Derive(m, PurposeKeyEncryption)) {
		t.Fatal("derivation not deterministic or not separated")
	}
	if bytes.Equal(a, Derive(bytes.Repeat([]byte{2}, Size), PurposeKeyEncryption)) {
		t.Fatal("different masters derived the same key")
	}
}
