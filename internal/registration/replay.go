package registration

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// ReplayTTL is how long the answer to a registration sent with an
// Idempotency-Key is kept for a retry.
const ReplayTTL = 24 * time.Hour

// Sealer encrypts the kept answers (without one, the header is ignored): they hold the one-time client secret
// and registration access token, which are otherwise kept only as keyed
// hashes. The master key's AES-GCM sealer implements it.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// MaxIdempotencyKey bounds the Idempotency-Key header's length.
const MaxIdempotencyKey = 255

// validIdempotencyKey: 1 to MaxIdempotencyKey visible ASCII characters
// (a UUID is the usual choice).
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// keyHash and requestHash are what a replay is found and checked by. The
// request is the bearer token and the body: a retry must present the same
// credential (which its first use may have spent) and ask the same thing.
func (s *Service) keyHash(key string) []byte {
	return s.Hasher.Hash(secret.PurposeIdempotencyKey, key)
}

func (s *Service) requestHash(req Request) []byte {
	// A bearer token holds no NUL, so the joint is unambiguous.
	return s.Hasher.Hash(secret.PurposeReplayedRequest, req.Bearer+"\x00"+string(req.Body))
}

// replayAAD binds a sealed answer to its workspace and key: copied to
// another row, it does not open.
func replayAAD(ws string, keyHash []byte) []byte {
	return append([]byte(ws+"\x00"), keyHash...)
}

// replays reports whether req's answer is kept for, or taken from, its
// Idempotency-Key. Only where a secret credential (an initial access
// token) binds a retry to the first request: in open mode nothing does,
// and in software_statement mode the credential is a statement, which is
// no secret (every copy of the software carries it), so whoever guessed
// the key and the body would get the first client's secrets; a retry
// there costs only a second client.
func (s *Service) replays(ws workspace.Workspace, req Request) bool {
	return req.IdempotencyKey != "" && s.Replays != nil && ws.Settings.Registration.Mode == workspace.ModeInitialAccessToken
}

// replay answers a request whose Idempotency-Key has an unexpired kept
// answer: that answer when the request is the same, else a refusal. A nil
// Response and error: nothing is kept under the key (or none was sent).
func (s *Service) replay(ctx context.Context, ws workspace.Workspace, req Request) (Response, error) {
	if !s.replays(ws, req) {
		return nil, nil
	}
	kept, err := s.Store.Replay(ctx, ws.Name, s.keyHash(req.IdempotencyKey), s.Time())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(kept.RequestHash, s.requestHash(req)) != 1 {
		return nil, oautherr.InvalidRequestf("the Idempotency-Key was used for another request (another body or token) within a day; use a new key").
			WithStatus(http.StatusUnprocessableEntity)
	}
	resp, err := s.openReplay(ws, kept)
	if err != nil {
		// Sealed under a master key since replaced: the key stays taken for
		// its day, and every retry would fail alike.
		httpapi.Logger(ctx).Warn("a kept registration answer cannot be opened", "workspace", ws.Name, "err", err)
		return nil, oautherr.InvalidRequestf("the answer kept for this Idempotency-Key can no longer be read; use a new key").
			WithStatus(http.StatusUnprocessableEntity)
	}
	clientID, _ := resp["client_id"].(string)
	s.count(ws, "register", "replayed")
	if err := s.Store.AddAuditEvent(ctx, s.event(ws, "register", "replayed", clientID, req, grant{}, "")); err != nil {
		httpapi.Logger(ctx).Warn("writing audit event", "action", "register", "err", err)
	}
	return resp, nil
}

// keep seals resp for a retry of req; nil when req has no Idempotency-Key.
func (s *Service) keep(ws workspace.Workspace, req Request, resp Response) (*store.Replay, error) {
	if !s.replays(ws, req) {
		return nil, nil
	}
	plain, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	r := store.Replay{Workspace: ws.Name, KeyHash: s.keyHash(req.IdempotencyKey), RequestHash: s.requestHash(req), ExpiresAt: s.Time().Add(ReplayTTL)}
	if r.Response, err = s.Replays.Seal(plain, replayAAD(ws.Name, r.KeyHash)); err != nil {
		return nil, err
	}
	return &r, nil
}

// openReplay unseals and decodes a kept answer.
func (s *Service) openReplay(ws workspace.Workspace, kept store.Replay) (Response, error) {
	plain, err := s.Replays.Open(kept.Response, replayAAD(ws.Name, kept.KeyHash))
	if err != nil {
		return nil, err
	}
	var resp Response
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber() // numbers come back as they were written
	return resp, dec.Decode(&resp)
}
