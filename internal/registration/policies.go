package registration

import (
	"encoding/json"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/policy"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// sentRequest is what a registration sent, as decoded: its metadata
// object and its verified software statement (nil without one), kept for
// the policies to read.
type sentRequest struct {
	object    map[string]json.RawMessage
	statement *softwareStatement
}

// presentedToken is what the bearer credential that authorised a call
// says of itself, as the policies' `token` reads it.
type presentedToken struct {
	claims map[string]any
}

// policyCall is one registration or update as the workspace's rules
// judge it.
type policyCall struct {
	sent      sentRequest
	metadata  client.Metadata // validated, defaults filled
	token     *presentedToken
	client    *client.Client // the registered client, on update
	operation string
}

// creation is a registration as the rules judge it.
func creation(g grant, md client.Metadata) policyCall {
	call := policyCall{metadata: md, token: g.presented, operation: policy.OperationCreate}
	if g.sent != nil {
		call.sent = *g.sent
	}
	return call
}

// judgePolicies runs the workspace's rules (step 6) and returns their
// denials: all of them for a dry run, else the first.
func (s *Service) judgePolicies(ws workspace.Workspace, call policyCall, all bool) ([]policy.Denial, error) {
	reg := ws.Settings.Registration
	set, err := policy.Cached(reg.PolicyRules(), reg.PolicyCostLimit())
	if err != nil || set == nil {
		return nil, err
	}
	return set.Judge(s.policyInput(ws, call), all), nil
}

// checkPolicies refuses a call a rule denies, with the rule's error and
// a description naming the rule, which the audit event records.
func (s *Service) checkPolicies(ws workspace.Workspace, call policyCall) error {
	denials, err := s.judgePolicies(ws, call, false)
	if err != nil || len(denials) == 0 {
		return err
	}
	return policyRefusal(denials[0])
}

func policyRefusal(d policy.Denial) *oautherr.Error {
	return oautherr.New(d.Rule.Error, "policy %q: %s", d.Rule.Name, d.Reason)
}

// policyInput lays out the call as the rules' variables: request is the
// metadata as registered would show it — the statement's claims applied,
// the values validation filled in or a template fixed made explicit, so
// that a rule about a default cannot be passed by leaving it out — with
// the members Registrar does not know as sent.
func (s *Service) policyInput(ws workspace.Workspace, call policyCall) policy.Input {
	request := metadataView(call.metadata)
	for name, raw := range call.sent.object {
		if _, known := request[name]; !known {
			addJSON(request, name, raw)
		}
	}
	in := policy.Input{
		Request:   request,
		Workspace: map[string]any{"name": ws.Name, "profile": ws.Settings.Profile, "scopes": ws.Settings.Scopes},
		Now:       s.Time(),
		Operation: call.operation,
	}
	if st := call.sent.statement; st != nil {
		in.SoftwareStatement = make(map[string]any, len(st.claims))
		for name, raw := range st.claims {
			addJSON(in.SoftwareStatement, name, raw)
		}
	}
	if call.token != nil {
		in.Token = call.token.claims
	}
	if call.client != nil {
		in.Client = metadataView(call.client.Metadata)
		in.Client["client_id"] = call.client.ID
	}
	return in
}

// metadataView is md as the registration response shows it, defaults
// explicit, without what a client is given (id, issue time, secret
// expiry).
func metadataView(md client.Metadata) map[string]any {
	view := client.View(client.Client{Metadata: md})
	delete(view, "client_id")
	delete(view, "client_id_issued_at")
	delete(view, "client_secret_expires_at")
	return view
}

// addJSON sets m[name] to raw decoded, unless it does not decode.
func addJSON(m map[string]any, name string, raw json.RawMessage) {
	var v any
	if json.Unmarshal(raw, &v) == nil {
		m[name] = v
	}
}

// operatorTokenClaims describe an operator's initial access token, which
// is opaque: its id, description, when it was made and expires, and its
// uses so far.
func operatorTokenClaims(iat store.InitialAccessToken) *presentedToken {
	claims := map[string]any{"kind": "initial_access_token", "jti": iat.ID, "description": iat.Description, "iat": iat.CreatedAt.Unix(), "max_uses": int64(iat.MaxUses), "uses": int64(iat.Uses)}
	if !iat.ExpiresAt.IsZero() {
		claims["exp"] = iat.ExpiresAt.Unix()
	}
	return &presentedToken{claims}
}

// accessTokenClaims are an access token's claims as this server issued
// it (RFC 9068 §2.2), from its record, for a JWT or an opaque token
// alike.
func accessTokenClaims(at store.Token) *presentedToken {
	return &presentedToken{map[string]any{
		"kind": "access_token", "jti": at.ID, "sub": at.Subject, "client_id": at.ClientID, "scope": at.Scope,
		"aud": at.Audience, "iat": at.IssuedAt.Unix(), "exp": at.ExpiresAt.Unix(),
	}}
}

// managementTokenClaims are the `token` of an update: the access token
// of a profile that manages clients with one, else the client's
// registration access token, which says nothing of itself.
func managementTokenClaims(req Request) *presentedToken {
	if req.accessToken != nil {
		return accessTokenClaims(*req.accessToken)
	}
	return &presentedToken{map[string]any{"kind": "registration_access_token"}}
}
