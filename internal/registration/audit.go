package registration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// AuditActions are the actions of the events this package writes: the
// RFC 7591/7592 calls (a HEAD is audited on its own), their dry runs, and
// an operator's reissue of a registration access token.
var AuditActions = []string{"register", "read", "head", "update", "delete", "dry_run", "reissue"}

// deny audits a refused request and returns err unchanged. Only protocol
// errors are audited as denials: an outage is not a decision.
func (s *Service) deny(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request, g grant, err error) error {
	s.revokeMisusedToken(ctx, ws, clientID, req)
	var oe *oautherr.Error
	if !errors.As(err, &oe) {
		return err
	}
	s.count(ws, action, "denied")
	write, skipped := s.Limits.auditDenial(req.RemoteAddr, s.Time())
	if !write {
		// Under a flood of refusals one row per request would grow the
		// trail without telling more; the count goes with the next row.
		s.countUnaudited(ws)
		return err
	}
	reason := oe.Code + ": " + oe.Description
	if skipped > 0 {
		// Ahead of the description, which a long quoted value may cut.
		reason = fmt.Sprintf("%s: [%d earlier refusals from this address not audited one by one] %s", oe.Code, skipped, oe.Description)
	}
	event := s.event(ws, action, "denied", clientID, req, g, reason)
	if aerr := s.Store.AddAuditEvent(ctx, event); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// audit records an accepted management action and what authorized it
// (the client's registration access token, or an operator). A failure to
// write it is not the caller's problem once the action is committed (a
// reissued token must still reach the operator), so it is only logged.
func (s *Service) audit(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request, g grant) {
	s.count(ws, action, "accepted")
	if err := s.Store.AddAuditEvent(ctx, s.event(ws, action, "accepted", clientID, req, g, "")); err != nil {
		httpapi.Logger(ctx).Warn("writing audit event", "action", action, "err", err)
	}
}

func (s *Service) event(ws workspace.Workspace, action, outcome, clientID string, req Request, g grant, reason string) store.AuditEvent {
	// Time-ordered: events are appended where the index ends.
	now := s.Time()
	id, _ := secret.TimeOrderedID(now, s.Random())
	return store.AuditEvent{
		Workspace: ws.Name, ID: id, At: now, Action: action, Outcome: outcome,
		ClientID: auditText(clientID, maxAuditClientID), Reason: auditText(reason, maxAuditReason),
		Credential: g.label(req.Bearer), RemoteAddr: httpapi.Address(req.RemoteAddr),
	}
}

// Audit fields hold what strangers sent (a client id from a URL, a refused
// value quoted in a reason); their length is capped so one request cannot
// store 20 KB.
const (
	maxAuditClientID = 128
	maxAuditReason   = 512
)

// auditText makes untrusted text safe to store and print: runes that are
// not graphic — control characters, terminal escapes, newlines that would
// forge a row of `audit list`, bidi overrides that reorder it — are
// written as \uXXXX, and the text is cut at max runes.
func auditText(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		n++
		if unicode.IsGraphic(r) && r != utf8.RuneError {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, "\\u%04x", r)
	}
	return b.String()
}

// rateLimit takes req from the node's limits, returning how long the
// caller must wait when it is refused.
func (s *Service) rateLimit(ws workspace.Workspace, action string, req Request) time.Duration {
	wait := s.Limits.admit(req.RemoteAddr, tokenLimitKey(s.Hasher, req.Bearer), s.Time())
	if wait > 0 {
		s.count(ws, action, "rate_limited")
	}
	return wait
}

func (s *Service) countUnaudited(ws workspace.Workspace) {
	if s.Metrics != nil {
		s.Metrics.Unaudited.WithLabelValues(ws.Name).Inc()
	}
}

func (s *Service) count(ws workspace.Workspace, action, outcome string) {
	if s.Metrics != nil {
		s.Metrics.Decisions.WithLabelValues(ws.Name, action, outcome).Inc()
	}
}
