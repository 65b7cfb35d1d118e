package client

import (
	"io"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
)

// New is a new client record with what the server decides, never the
// client (RFC 9700 §4.15.1): an id, time-ordered like every record id (so
// it never starts with "-", which the CLI would take for a flag), and for
// a secret-based auth method a random secret that never expires, returned
// once in plain and kept only as its keyed hash. Clients registered
// through DCR and clients made by operators alike are made here.
func New(now time.Time, random io.Reader, h *secret.Hasher, ws string, md Metadata, prov Provenance) (cl Client, plainSecret string, err error) {
	id, err := secret.TimeOrderedID(now, random)
	if err != nil {
		return Client{}, "", err
	}
	prov.RegisteredAt = now
	cl = Client{Workspace: ws, ID: id, IssuedAt: now, UpdatedAt: now, Version: 1, Metadata: md, Provenance: prov}
	if !UsesSecret(md.AuthMethod()) {
		return cl, "", nil
	}
	if plainSecret, err = secret.Generate(random); err != nil {
		return Client{}, "", err
	}
	cl.SecretHash = h.Hash(secret.PurposeClientSecret, plainSecret)
	return cl, plainSecret, nil
}
