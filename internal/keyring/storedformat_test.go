package keyring

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"testing"

	"github.com/registrar-dev/registrar/internal/masterkey"
)

// A P-256 signing key of workspace "w" with kid "kid1", sealed as
// GenerateKey stores it (nonce, AES-256-GCM ciphertext and tag, bound to
// keyAAD) under the key-encryption key of the master key 0..31, with a
// fixed nonce; and its public key (PKIX DER).
const (
	knownSealedKey = "a0a1a2a3a4a5a6a7a8a9aaabe0a00dabf55efe900dac357c07ab0b15ac5dcd1b38de015e51fdae03f72728757ebdd2c0f53cee8a1eee4e9d88c2fabb8e96607741c41b2248546d2ca7dbcff7ba301eeaefb57b20fbfa7519a20eb2f875dc336ed685453113d01b7ae633760292f3128f1c8adf154675058a217bd70ddc4b196d261c22e03471ee4431e0060a4da1f4d523be511bf575754ebcc7dbc6cfccc60570c9431728de"
	knownPublicKey = "3059301306072a8648ce3d020106082a8648ce3d03010703420004a35c5d0cfb6568ff8160fb782521c9d70f112b5c75cb494e6a5fb5a40b0fa353c12b694cb3a90a7b16220225eb749322e1183539a249f8a0d0db4ae0c95c666a"
)

// TestStoredKeyKnownAnswer opens a signing key sealed in the stored format:
// a change to the derivation, the purpose, the seal's layout or the
// associated data would leave every stored key unreadable after an upgrade.
func TestStoredKeyKnownAnswer(t *testing.T) {
	master := make([]byte, masterkey.Size)
	for i := range master {
		master[i] = byte(i)
	}
	sealer, err := masterkey.NewSealer(masterkey.Derive(master, masterkey.PurposeKeyEncryption))
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := hex.DecodeString(knownSealedKey)
	der, err := sealer.Open(sealed, keyAAD("w", "kid1"))
	if err != nil {
		t.Fatalf("a key sealed in the stored format does not open: %v", err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())
	want, _ := hex.DecodeString(knownPublicKey)
	if err != nil || !bytes.Equal(pub, want) {
		t.Fatalf("the opened key's public key is %x (%v), want %s", pub, err, knownPublicKey)
	}
}
