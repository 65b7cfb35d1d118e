package masterkey

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestFileCreatedOnceWithOwnerOnlyMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	k1, created, err := Load("", path)
	if err != nil || !created || len(k1) != Size {
		t.Fatalf("first load: %v created=%v len=%d", err, created, len(k1))
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", info.Mode().Perm())
	}
	k2, created, err := Load("", path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: %v created=%v same=%v", err, created, bytes.Equal(k1, k2))
	}
}

func TestLooseFileModeRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.key")
	os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(make([]byte, Size))), 0o644)
	if _, _, err := Load("", path); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
}

func TestEnvForms(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, Size)
	for _, v := range []string{base64.StdEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw), hex.EncodeToString(raw)} {
		k, _, err := Load(v, "")
		if err != nil || !bytes.Equal(k, raw) {
			t.Errorf("Load(%q) = %x, %v", v, k, err)
		}
	}
	for _, bad := range []string{"short", base64.StdEncoding.EncodeToString(raw[:16]), "zz" + hex.EncodeToString(raw)[2:]} {
		if _, _, err := Load(bad, ""); err == nil {
			t.Errorf("Load(%q) accepted", bad)
		}
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	m := bytes.Repeat([]byte{1}, Size)
	a, b := Derive(m, PurposeKeyEncryption), Derive(m, PurposeSecretPepper)
	if bytes.Equal(a, b) || len(a) != Size || !bytes.Equal(a, Derive(m, PurposeKeyEncryption)) {
		t.Fatal("derivation not deterministic or not separated")
	}
}
