package keyring

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/store"
)

func keyAAD(ws, kid string) []byte { return []byte(ws + "/" + kid) }

// GenerateKey makes a new signing key for ws and alg (see
// jose.NewPrivateKey), sealing the private part bound to ws and the kid.
func GenerateKey(ws, alg string, sealer *masterkey.Sealer, now time.Time) (store.SigningKey, error) {
	priv, err := jose.NewPrivateKey(alg)
	if err != nil {
		return store.SigningKey{}, err
	}
	kidBytes := make([]byte, 16) // 128 random bits: unique without coordination
	if _, err := rand.Read(kidBytes); err != nil {
		return store.SigningKey{}, err
	}
	kid := base64.RawURLEncoding.EncodeToString(kidBytes)
	pub, err := jose.PublicJWK(priv.Public(), kid, alg)
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
