package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// PairwiseSubjects computes pairwise subject identifiers (OIDC Core §8.1)
// under a key derived from the master key, so that a user's sub for a
// sector is the same on every node and after every restart, yet cannot
// be computed, nor traced back to the user, without the key.
type PairwiseSubjects struct {
	key []byte
}

// NewPairwiseSubjects returns the computation keyed with key
// (masterkey.PurposePairwiseSubject).
func NewPairwiseSubjects(key []byte) *PairwiseSubjects {
	return &PairwiseSubjects{key: append([]byte(nil), key...)}
}

// Subject is base64url(HMAC-SHA-256(key, workspace || 0 || sector || 0 ||
// local)): OIDC Core §8.1's hash of sector, local id and salt, with the
// secret as the key rather than appended. The workspace is part of it, as
// each is an issuer of its own; neither it nor a sector holds a NUL, so
// no two inputs share an encoding.
func (p *PairwiseSubjects) Subject(ws, sector, local string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(ws))
	m.Write([]byte{0})
	m.Write([]byte(sector))
	m.Write([]byte{0})
	m.Write([]byte(local))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// subjectFor is the sub client cl is shown for local, a subject as stored
// (a user's id, or the client's own for its client_credentials tokens).
// Every place a sub leaves the server for a client — ID token, userinfo,
// JWT access token, introspection — goes through it, so none can show a
// pairwise client the user's local id. A client's own id is its own, not
// a user's, and is shown as is.
func (s *Service) subjectFor(ws workspace.Workspace, cl client.Client, local string) (string, error) {
	if !cl.Metadata.IsPairwise() || local == cl.ID {
		return local, nil
	}
	sector := cl.Metadata.Sector()
	if s.Flow == nil || s.Flow.Pairwise == nil || sector == "" {
		// Registration refuses a pairwise client without a sector, and the
		// server always has the key: showing the local id instead would
		// quietly break the client's privacy promise, so fail.
		return "", errors.New("oauth: no pairwise subject for client " + cl.ID + ": no key or no sector")
	}
	return s.Flow.Pairwise.Subject(ws.Name, sector, local), nil
}
