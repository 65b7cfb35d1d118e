package registration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Request is a registration or update request as the handler decoded it.
type Request struct {
	Bearer     string
	Body       []byte
	RemoteAddr string
}

// Response is the RFC 7591 §3.2.1 / RFC 7592 §3 body.
type Response map[string]any

// Register runs the RFC 7591 pipeline. Denials are audited with their
// reason; nothing else is written for them.
func (s *Service) Register(ctx context.Context, ws workspace.Workspace, req Request) (Response, error) {
	if !ws.Settings.Registration.Enabled {
		return nil, s.deny(ctx, ws, "register", "", req, grant{}, oautherr.New(oautherr.NotFound, "dynamic client registration is not enabled in this workspace"))
	}
	g, err := s.authorize(ctx, ws, req.Bearer)
	if err != nil {
		return nil, s.deny(ctx, ws, "register", "", req, g, err)
	}
	md, err := decodeMetadata(req.Body, ws)
	if err != nil {
		return nil, s.deny(ctx, ws, "register", "", req, g, err)
	}
	cl, issued, err := s.process(ws, md, g)
	if err != nil {
		return nil, err
	}
	event := s.event(ws, "register", "accepted", cl.ID, req, g, "")
	err = s.Store.RegisterClient(ctx, cl, g.use, event)
	if errors.Is(err, store.ErrConflict) {
		return nil, s.deny(ctx, ws, "register", "", req, g, errBearer("the initial access token was already used"))
	}
	if err != nil {
		return nil, err
	}
	s.count(ws, "register", "accepted")
	return s.respond(ws, cl, issued), nil
}

// decodeMetadata is the strict decode plus validation shared by register
// and update. RFC 7591 §3.1: one JSON object, metadata as top-level members.
func decodeMetadata(body []byte, ws workspace.Workspace) (client.Metadata, error) {
	obj, err := strictjson.DecodeObject(body)
	if err != nil {
		return client.Metadata{}, oautherr.InvalidMetadata("%v", err)
	}
	md, err := client.DecodeMetadata(obj)
	if err != nil {
		return client.Metadata{}, err
	}
	return client.Validate(md, policyFor(ws))
}

// issuedSecrets are the plain values shown once in the response.
type issuedSecrets struct {
	ClientSecret      string
	RegistrationToken string
}

// process assigns what the server decides: the client id (never chosen by
// the client, RFC 9700 §4.15.1), a secret for secret-based methods, and the
// registration access token.
func (s *Service) process(ws workspace.Workspace, md client.Metadata, g grant) (client.Client, issuedSecrets, error) {
	now := s.Time()
	g.provenance.SoftwareID = md.SoftwareID
	cl, clientSecret, err := client.New(now, s.Random(), s.Hasher, ws.Name, md, g.provenance)
	if err != nil {
		return client.Client{}, issuedSecrets{}, err
	}
	issued := issuedSecrets{ClientSecret: clientSecret}
	if issued.RegistrationToken, err = s.newRegistrationToken(ws, &cl, now); err != nil {
		return client.Client{}, issuedSecrets{}, err
	}
	return cl, issued, nil
}

// newRegistrationToken sets a fresh RAT on cl, expiring one TTL after now,
// and returns its value; the previous one stops working as soon as cl is
// stored.
func (s *Service) newRegistrationToken(ws workspace.Workspace, cl *client.Client, now time.Time) (string, error) {
	rat, err := secret.Generate(s.Random())
	if err != nil {
		return "", err
	}
	cl.RegistrationTokenHash = s.Hasher.Hash(secret.PurposeRegistrationToken, rat)
	cl.RegistrationTokenExpiresAt = now.Add(time.Duration(ws.Settings.Registration.RegistrationTokenTTL) * time.Second)
	return rat, nil
}

// respond builds the response: every registered value plus the issued
// secrets and the management endpoint.
func (s *Service) respond(ws workspace.Workspace, cl client.Client, issued issuedSecrets) Response {
	resp := Response(client.View(cl))
	if issued.ClientSecret != "" {
		resp["client_secret"] = issued.ClientSecret
	}
	resp["registration_client_uri"] = s.clientURI(ws, cl.ID)
	if issued.RegistrationToken != "" {
		resp["registration_access_token"] = issued.RegistrationToken
		// A token is answered the moment it is issued, so its lifetime is the
		// workspace's TTL exactly (counting from a later clock reading fell a
		// second short).
		resp["registration_access_token_expires_in"] = ws.Settings.Registration.RegistrationTokenTTL
	}
	return resp
}

// deny audits a refused request and returns err unchanged. Only protocol
// errors are audited as denials: an outage is not a decision.
func (s *Service) deny(ctx context.Context, ws workspace.Workspace, action, clientID string, req Request, g grant, err error) error {
	var oe *oautherr.Error
	if !errors.As(err, &oe) {
		return err
	}
	s.count(ws, action, "denied")
	event := s.event(ws, action, "denied", clientID, req, g, oe.Code+": "+oe.Description)
	if aerr := s.Store.AddAuditEvent(ctx, event); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

func (s *Service) event(ws workspace.Workspace, action, outcome, clientID string, req Request, g grant, reason string) store.AuditEvent {
	// Time-ordered: events are appended where the index ends.
	now := s.Time()
	id, _ := secret.TimeOrderedID(now, s.Random())
	return store.AuditEvent{
		Workspace: ws.Name, ID: id, At: now, Action: action, Outcome: outcome,
		ClientID: auditText(clientID, maxAuditClientID), Reason: auditText(reason, maxAuditReason),
		Credential: g.label(req.Bearer), RemoteAddr: req.RemoteAddr,
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

func (s *Service) count(ws workspace.Workspace, action, outcome string) {
	if s.Metrics != nil {
		s.Metrics.Decisions.WithLabelValues(ws.Name, action, outcome).Inc()
	}
}
