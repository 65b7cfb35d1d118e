package jose

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/store"
)

// Sealer encrypts private keys at rest with AES-256-GCM.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("sealer key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to aad (the workspace and kid): a sealed
// key copied to another row fails to open.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// ErrSealed: the sealed value is corrupt, tampered with, or bound to other aad.
var ErrSealed = errors.New("sealed value cannot be opened")

// Open decrypts what Seal produced with the same aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrSealed
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrSealed
	}
	return out, nil
}

// sigAlg maps our algorithm names to jwx's; only these three are ever used.
func sigAlg(name string) (jwa.SignatureAlgorithm, error) {
	switch name {
	case "ES256":
		return jwa.ES256(), nil
	case "RS256":
		return jwa.RS256(), nil
	case "PS256":
		return jwa.PS256(), nil
	}
	return jwa.SignatureAlgorithm{}, fmt.Errorf("unsupported signing algorithm %q", name)
}

func keyAAD(ws, kid string) []byte { return []byte(ws + "/" + kid) }

// GenerateKey makes a new signing key for ws and alg (ES256: P-256;
// RS256/PS256: RSA 2048, the minimum FAPI allows), sealing the private part.
// One key serves one algorithm (RFC 8725 §3.1).
func GenerateKey(ws, alg string, sealer *Sealer, now time.Time) (store.SigningKey, error) {
	if _, err := sigAlg(alg); err != nil {
		return store.SigningKey{}, err
	}
	var priv crypto.Signer
	var err error
	if alg == "ES256" {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return store.SigningKey{}, err
	}
	kidBytes := make([]byte, 16) // 128 random bits: unique without coordination
	if _, err := rand.Read(kidBytes); err != nil {
		return store.SigningKey{}, err
	}
	kid := base64.RawURLEncoding.EncodeToString(kidBytes)
	pub, err := publicJWK(priv.Public(), kid, alg)
	if err != nil {
		return store.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, err
	}
	sealed, err := sealer.Seal(der, keyAAD(ws, kid))
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{
		Workspace: ws, KID: kid, Alg: alg, PrivateKeyEncrypted: sealed, PublicJWK: pub,
		CreatedAt: now.UTC().Truncate(time.Microsecond),
	}, nil
}

// publicJWK renders a public key as a JWK with kid, alg and use.
func publicJWK(pub crypto.PublicKey, kid, alg string) ([]byte, error) {
	k, err := jwk.Import(pub)
	if err != nil {
		return nil, err
	}
	a, _ := sigAlg(alg)
	for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: a, jwk.KeyUsageKey: "sig"} {
		if err := k.Set(name, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(k)
}
