package client

import (
	"errors"
	"io"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
)

// SecretSealer encrypts the secret of a client_secret_jwt client under the
// master key (masterkey.Sealer).
type SecretSealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
}

// jwtSecretSize is the random bytes of a client_secret_jwt secret: it keys
// the client's HMACs, and RFC 7518 §3.2 wants a key at least as long as
// the hash, 64 bytes for HS512.
const jwtSecretSize = 64

func secretSize(method string) int {
	if method == AuthClientSecretJWT {
		return jwtSecretSize
	}
	return secret.Size
}

// SecretAAD binds a sealed client secret to its workspace and client, so
// that a sealed value copied to another client's row does not open.
func SecretAAD(ws, id string) []byte {
	return []byte("client secret\x00" + ws + "\x00" + id)
}

// New is a new client record with what the server decides, never the
// client (RFC 9700 §4.15.1): an id, time-ordered like every record id (so
// it never starts with "-", which the CLI would take for a flag), and for
// a secret-based auth method a random secret that never expires, returned
// once in plain and kept only as its keyed hash, and also sealed (under
// sealer) for client_secret_jwt alone. Clients registered through DCR and
// clients made by operators alike are made here.
func New(now time.Time, random io.Reader, h *secret.Hasher, sealer SecretSealer, ws string, md Metadata, prov Provenance) (cl Client, plainSecret string, err error) {
	id, err := secret.TimeOrderedID(now, random)
	if err != nil {
		return Client{}, "", err
	}
	prov.RegisteredAt = now
	cl = Client{Workspace: ws, ID: id, IssuedAt: now, UpdatedAt: now, Version: 1, Metadata: md, Provenance: prov}
	if !UsesSecret(md.AuthMethod()) {
		return cl, "", nil
	}
	plainSecret, err = cl.NewSecret(random, h, sealer)
	if err != nil {
		return Client{}, "", err
	}
	return cl, plainSecret, nil
}

// NewSecret gives c a new random secret for its auth method, which must
// use one, replacing any it had: kept as its keyed hash, and also sealed
// (under sealer) for client_secret_jwt alone. It returns the secret in
// plain, to be shown once.
func (c *Client) NewSecret(random io.Reader, h *secret.Hasher, sealer SecretSealer) (string, error) {
	method := c.Metadata.AuthMethod()
	plainSecret, err := secret.GenerateSize(random, secretSize(method))
	if err != nil {
		return "", err
	}
	c.SecretHash, c.SealedSecret = h.Hash(secret.PurposeClientSecret, plainSecret), nil
	if method == AuthClientSecretJWT {
		if sealer == nil {
			return "", errors.New("client_secret_jwt needs a sealer for the client secret")
		}
		if c.SealedSecret, err = sealer.Seal([]byte(plainSecret), SecretAAD(c.Workspace, c.ID)); err != nil {
			return "", err
		}
	}
	return plainSecret, nil
}
