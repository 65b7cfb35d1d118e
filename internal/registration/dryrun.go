package registration

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// DryRunRefusal is a dry run's refusal: every violation found, and the
// first one's error as the protocol error to answer.
type DryRunRefusal struct {
	Err        *oautherr.Error
	Violations Violations
}

func (r *DryRunRefusal) Error() string { return r.Err.Error() }
func (r *DryRunRefusal) Unwrap() error { return r.Err }

// DryRun runs a registration's steps without their effects: the request
// is protected as Register protects it (a credential is checked, never
// spent: a used one-time token is refused), decoded and verified; then
// every validation, template and policy step runs to the end, and a
// signed body's jti is checked unspent, so the refusal lists all that
// failed (*DryRunRefusal). Allowed, it returns the
// metadata that would be registered, with no id nor secret. Nothing is
// stored but an audit event of action "dry_run".
func (s *Service) DryRun(ctx context.Context, ws workspace.Workspace, req Request) (Response, error) {
	var g grant
	refuse := func(err error) (Response, error) {
		return nil, s.deny(ctx, ws, "dry_run", "", req, g, err)
	}
	if err := registrationEnabled(ws); err != nil {
		return refuse(err)
	}
	if err := s.checkTransport(ws, req); err != nil {
		return refuse(err)
	}
	g, err := s.authorize(ctx, ws, req)
	if err != nil {
		return refuse(err)
	}
	md, signed, err := s.decodeRegistration(ctx, ws, req, &g)
	if err != nil {
		return refuse(err)
	}
	md, found, err := s.judgeAll(ctx, ws, req, g, md, true)
	if err != nil {
		return nil, err
	}
	// The real call spends a signed body's jti once all else passed; a
	// replayed body is refused here as it would be there.
	if err := found.addProtocol(s.checkUnused(ctx, ws, signed)); err != nil {
		return nil, err
	}
	if refusal := found.refusal(); refusal != nil {
		return refuse(refusal)
	}
	s.audit(ctx, ws, "dry_run", "", req, g)
	return Response{"client": metadataView(md)}, nil
}

// Rehearse judges a registration body offline against ws's settings, as
// `registrar policy test` does for an operator's CI: decoding,
// validation, template and policies, with token as the rules' `token`.
// Nothing is fetched, read or written: a software statement's claims are
// taken unverified (its signature is the issuer's business, not the
// rules'), and the remote documents and the transport are not checked.
func (s *Service) Rehearse(ctx context.Context, ws workspace.Workspace, body []byte, token map[string]any) (Response, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	st, err := unverifiedStatement(ws, obj)
	if err != nil {
		return nil, err
	}
	md, err := withStatement(obj, st)
	if err != nil {
		return nil, err
	}
	g := grant{sent: &sentRequest{object: obj, statement: st}, presented: &presentedToken{claims: token}}
	md, found, err := s.judgeAll(ctx, ws, Request{}, g, md, false)
	if err != nil {
		return nil, err
	}
	if refusal := found.refusal(); refusal != nil {
		return nil, refusal
	}
	return Response{"client": metadataView(md)}, nil
}

// unverifiedStatement reads obj's software statement, when the workspace
// reads one, without verifying it.
func unverifiedStatement(ws workspace.Workspace, obj map[string]json.RawMessage) (*softwareStatement, error) {
	token, err := statementOf(obj)
	if err != nil || token == "" || ws.Settings.Registration.StatementMode() == workspace.Off {
		return nil, err
	}
	c, _, err := statementClaims(token)
	if err != nil {
		return nil, errStatement("software_statement: %v", err)
	}
	st := &softwareStatement{token: token, claims: c, keysBound: ws.Settings.IsProfile(workspace.ProfileOpenBankingUK)}
	st.issuer, _ = c.str("iss")
	st.softwareID, _ = c.str("software_id")
	if st.roleScopes, err = grantedByRoles(ws.Settings, c); err != nil {
		return nil, err
	}
	return st, nil
}

// judgeAll runs the steps that judge decoded metadata — template,
// validation, the transport's names, remote documents, policies — past
// any refusal, and returns the metadata as validated with every
// violation found, for the caller to add its own; an outage is an error.
// Online, it also checks what needs the request's transport or the
// network.
func (s *Service) judgeAll(ctx context.Context, ws workspace.Workspace, req Request, g grant, md client.Metadata, online bool) (client.Metadata, *refusals, error) {
	found := &refusals{}
	md, templated := templateViolations(ws, md, nil)
	for _, v := range templated {
		found.note(oautherr.InvalidMetadata("%s: %s", v.Rule, v.Message), v.Rule, v.Message)
	}
	md, problems := validationProblems(md, ws)
	for _, err := range problems {
		found.add(err)
	}
	if len(problems) == 0 && online {
		// Both read the metadata as valid; on invalid metadata they
		// would only repeat what validation said.
		for _, check := range []func() error{
			func() error { return s.checkTransportNames(ws, req.Certificates, md) },
			func() error { return s.checkRemoteDocuments(ctx, md) },
		} {
			if err := found.addProtocol(check()); err != nil {
				return md, nil, err
			}
		}
	}
	denials, err := s.judgePolicies(ws, creation(g, md), true)
	if err != nil {
		return md, nil, err
	}
	for _, d := range denials {
		found.note(policyRefusal(d), d.Rule.Name, d.Reason)
	}
	return md, found, nil
}

// refusals gathers violations and the first one's protocol error.
type refusals struct {
	first      *oautherr.Error
	violations Violations
}

func (f *refusals) note(oe *oautherr.Error, rule, message string) {
	if f.first == nil {
		f.first = oe
	}
	f.violations.Add(rule, message)
}

// add notes a validation refusal, under the member its description
// names ("redirect_uris: …").
func (f *refusals) add(err error) {
	var oe *oautherr.Error
	if !errors.As(err, &oe) {
		oe = oautherr.InvalidMetadata("%v", err)
	}
	field, message := fieldOf(oe.Description)
	f.note(oe, field, message)
}

// addProtocol adds err when it is a refusal and returns any other error.
func (f *refusals) addProtocol(err error) error {
	var oe *oautherr.Error
	if err == nil || !errors.As(err, &oe) {
		return err
	}
	f.add(oe)
	return nil
}

func (f *refusals) refusal() *DryRunRefusal {
	if f.first == nil {
		return nil
	}
	e := *f.first
	e.Description = f.violations.Describe()
	return &DryRunRefusal{Err: &e, Violations: f.violations}
}

// fieldOf splits a validation description into the member it names and
// the rest; a description naming none is about the "metadata".
func fieldOf(description string) (field, message string) {
	name, rest, ok := strings.Cut(description, ": ")
	if name, _, _ = strings.Cut(name, "["); !ok || name == "" || strings.ContainsAny(name, " \"'") {
		return "metadata", description
	}
	return name, rest
}

// dryRunAsked reads ?dry_run: true asks for one; false or none, the
// registration itself.
func dryRunAsked(r *http.Request) (bool, error) {
	values, ok := r.URL.Query()["dry_run"]
	if !ok {
		return false, nil
	}
	if len(values) == 1 {
		if v, err := strconv.ParseBool(values[0]); err == nil {
			return v, nil
		}
	}
	return false, oautherr.InvalidRequestf("dry_run: must be true or false, once")
}

// handleDryRun answers 200 {"client": …} with what would be registered,
// or the refusal with every violation beside its error.
func (h *Handler) handleDryRun(w http.ResponseWriter, r *http.Request, ws workspace.Workspace, req Request) {
	resp, err := h.Service.DryRun(r.Context(), ws, req)
	var refusal *DryRunRefusal
	switch {
	case errors.As(err, &refusal):
		httpapi.WriteJSON(w, refusal.Err.Status, dryRunBody{Body: refusal.Err.Body(), Violations: refusal.Violations})
	case err != nil:
		httpapi.WriteError(w, r, err)
	default:
		httpapi.WriteJSON(w, http.StatusOK, resp)
	}
}

// dryRunBody is an RFC 7591 §3.2.2 error with the violations beside it.
type dryRunBody struct {
	oautherr.Body
	Violations Violations `json:"violations"`
}
