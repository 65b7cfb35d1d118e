package admin

// Stand-ins for the admin API branch's methods, so the console builds
// before that branch lands; deleted when it is merged.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

type Admin struct{ TokenID, Name string }

func (s *Service) CheckAdminToken(ctx context.Context, token string) (Admin, error) {
	env := os.Getenv("REGISTRAR_ADMIN_TOKEN")
	if env == "" || subtle.ConstantTimeCompare([]byte(env), []byte(token)) != 1 {
		return Admin{}, refuse(ErrNotFound, "unknown admin token")
	}
	return Admin{TokenID: envTokenID(env), Name: "REGISTRAR_ADMIN_TOKEN"}, nil
}

func envTokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "env:" + hex.EncodeToString(sum[:8])
}

func (s *Service) AdminByTokenID(ctx context.Context, id string) (Admin, error) {
	if env := os.Getenv("REGISTRAR_ADMIN_TOKEN"); env != "" && id == envTokenID(env) {
		return Admin{TokenID: id, Name: "REGISTRAR_ADMIN_TOKEN"}, nil
	}
	return Admin{}, refuse(ErrNotFound, "unknown admin token")
}

type ClientQuery struct {
	RegisteredVia, SoftwareID string
	CreatedAfter              time.Time
	Q                         string
	Limit                     int
	Cursor                    string
}

type ClientPage struct {
	Items      []client.Client
	NextCursor string
}

func (s *Service) ListClients(ctx context.Context, ws string, q ClientQuery) (ClientPage, error) {
	all, err := s.Clients(ctx, ws)
	if err != nil {
		return ClientPage{}, err
	}
	start := 0
	if q.Cursor != "" {
		if start, err = strconv.Atoi(q.Cursor); err != nil || start < 0 {
			return ClientPage{}, refuse(ErrInvalid, "invalid cursor")
		}
	}
	var match []client.Client
	for _, c := range all {
		via := "operator"
		if c.Provenance.Origin == client.OriginDCR {
			via = "dcr"
		}
		if (q.RegisteredVia != "" && q.RegisteredVia != via) || (q.SoftwareID != "" && q.SoftwareID != c.Metadata.SoftwareID) ||
			c.IssuedAt.Before(q.CreatedAfter) ||
			(q.Q != "" && !strings.Contains(strings.ToLower(c.Metadata.ClientName+" "+c.ID), strings.ToLower(q.Q))) {
			continue
		}
		match = append(match, c)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if start > len(match) {
		start = len(match)
	}
	end := min(start+q.Limit, len(match))
	page := ClientPage{Items: match[start:end]}
	if end < len(match) {
		page.NextCursor = strconv.Itoa(end)
	}
	return page, nil
}

func (s *Service) DisableClient(ctx context.Context, ws, id string) error {
	return refuse(ErrConflict, "disabling is not available yet")
}

func (s *Service) EnableClient(ctx context.Context, ws, id string) error {
	return refuse(ErrConflict, "enabling is not available yet")
}

type RotatedSecret struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

func (s *Service) RotateClientSecret(ctx context.Context, ws, id string) (RotatedSecret, error) {
	return RotatedSecret{}, refuse(ErrConflict, "rotating is not available yet")
}

type AuditQuery struct {
	Type, ClientID string
	Since, Until   time.Time
	Limit          int
	Cursor         string
}

type AuditPage struct {
	Items      []AuditEvent
	NextCursor string
}

func (s *Service) ListAuditEvents(ctx context.Context, ws string, q AuditQuery) (AuditPage, error) {
	all, err := s.AuditEvents(ctx, ws, 0)
	if err != nil {
		return AuditPage{}, err
	}
	if q.Cursor != "" {
		return AuditPage{}, refuse(ErrInvalid, "invalid cursor")
	}
	var out []AuditEvent
	for _, e := range all {
		if (q.Type == "" || e.Action == q.Type) && (q.ClientID == "" || e.ClientID == q.ClientID) &&
			!e.At.Before(q.Since) && (q.Until.IsZero() || e.At.Before(q.Until)) {
			out = append(out, e)
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return AuditPage{Items: out}, nil
}
