package admin

import (
	"context"
	"slices"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// Key is a published signing key as an operator sees it.
type Key struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
	// Status: "retired" keys no longer sign, "retiring" ones sign until
	// their RetiredAt, and an "active" key waits as "next" while a key of
	// its alg is still retiring (a rotation's pre-publication).
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	PublishUntil *time.Time `json:"publish_until,omitempty"`
}

// Keys lists the keys a workspace publishes now, newest first. A
// workspace whose server never started has none yet.
func (s *Service) Keys(ctx context.Context, wsName string) ([]Key, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return nil, err
	}
	now := s.Time()
	keys, err := s.Store.KeysByWorkspace(ctx, wsName, now)
	if err != nil {
		return nil, err
	}
	views := make([]Key, 0, len(keys))
	for _, k := range keys {
		v := Key{KID: k.KID, Alg: k.Alg, Status: keyStatus(k, keys, now), CreatedAt: k.CreatedAt}
		if !k.RetiredAt.IsZero() {
			v.RetiredAt, v.PublishUntil = &k.RetiredAt, &k.PublishUntil
		}
		views = append(views, v)
	}
	return views, nil
}

func keyStatus(k store.SigningKey, all []store.SigningKey, now time.Time) string {
	switch {
	case !k.RetiredAt.IsZero() && !now.Before(k.RetiredAt):
		return "retired"
	case !k.RetiredAt.IsZero():
		return "retiring"
	case slices.ContainsFunc(all, func(o store.SigningKey) bool { return o.Alg == k.Alg && now.Before(o.RetiredAt) }):
		return "next"
	}
	return "active"
}

// Rotation is what a key rotation did.
type Rotation struct {
	Keys []RotatedKey `json:"keys"`
	// SignsFrom is when the new keys take over signing, SignsIn from now:
	// until then tokens still carry the old kids, which is the point.
	SignsFrom         time.Time     `json:"signs_from"`
	SignsIn           time.Duration `json:"-"`
	OldPublishedUntil time.Time     `json:"old_keys_published_until"`
}

// RotatedKey is one new key.
type RotatedKey struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
}

// RotateKeys adds a new key per algorithm, published at once and signing
// after the JWKS max-age; the old keys stay published until their tokens
// expire (keyring.Ring.Rotate).
func (s *Service) RotateKeys(ctx context.Context, wsName string) (Rotation, error) {
	ws, err := s.Workspace(ctx, wsName)
	if err != nil {
		return Rotation{}, err
	}
	r, err := s.KeyRing.Rotate(ctx, ws.Name, ws.Settings.MaxTokenTTL(), ws.Settings.JWKSCacheTTL())
	if err != nil {
		return Rotation{}, err
	}
	out := Rotation{SignsFrom: r.SignsFrom, SignsIn: r.SignsFrom.Sub(s.Time()), OldPublishedUntil: r.OldPublishedUntil}
	for _, k := range r.Keys {
		out.Keys = append(out.Keys, RotatedKey{KID: k.KID, Alg: k.Alg})
	}
	s.audit(ctx, wsName, ActionKeysRotate, "", "")
	return out, nil
}
