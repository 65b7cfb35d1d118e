package keyring

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func keyAAD(ws, kid string) []byte { return []byte(ws + "/" + kid) }

// GenerateKey makes a new signing key for ws and alg (see
// jose.NewPrivateKey), sealing the private part bound to ws and the kid.
func GenerateKey(ws, alg string, sealer *masterkey.Sealer, now time.Time) (store.SigningKey, error) {
	// jose makes keys for more algs (EdDSA for clients' tools); a
	// workspace signs with the ones every relying party verifies.
	if !slices.Contains(workspace.SigningAlgs, alg) {
		return store.SigningKey{}, fmt.Errorf("a workspace cannot sign with %q; use one of %v", alg, workspace.SigningAlgs)
	}
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
