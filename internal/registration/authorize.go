package registration

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// grant is what authorized a registration: the credential to consume and
// what the client's provenance records. On a denial it names, for the
// audit, the credential that was presented, when one was identified.
type grant struct {
	use        store.CredentialUse
	provenance client.Provenance
	open       bool
	// unmatched: a bearer token was checked and matched no usable
	// credential.
	unmatched bool
	// statement is the software statement that authorized the
	// registration (mode software_statement); statementSent, that one was
	// presented, verified or not.
	statement     *softwareStatement
	statementSent bool
	// read is the request's metadata object as the authorizer read it,
	// so that it is decoded once; nil when the authorizer read none.
	read *readObject
	// sent is the request as decoded, and presented what its bearer
	// credential says of itself, for the policies; nil until known.
	sent      *sentRequest
	presented *presentedToken
	// reusable: the credential registers until it expires
	// (registration.token_use until_expiry), so it is checked, never spent.
	reusable bool
}

// spent is the use of the credential a registration commits: none for a
// reusable one, which still names it in the audit and the provenance.
func (g grant) spent() store.CredentialUse {
	if g.reusable {
		return store.CredentialUse{Kind: store.CredentialNone, At: g.use.At}
	}
	return g.use
}

// readObject is a request's metadata object as requestObject read it,
// behind a pointer so that grants stay comparable.
type readObject struct {
	object map[string]json.RawMessage
}

// unmatchedGrant: the presented bearer token was checked and is no
// credential of this workspace or client.
var unmatchedGrant = grant{unmatched: true}

// Audit labels for a presented bearer token that identified no
// credential. Recording "none" would tell an auditor that no token was
// sent, which hides a caller trying tokens; the value itself is never
// recorded.
const (
	labelUnmatchedBearer = "unmatched_bearer" // checked, matched nothing
	labelUncheckedBearer = "unchecked_bearer" // refused before it was checked
	labelStatement       = "software_statement"
)

// label names the credential in audit events (an id, never a value);
// bearer is the token the request presented, if any.
func (g grant) label(bearer string) string {
	switch {
	case g.open:
		return "open"
	case g.statement != nil:
		// The issuer is the workspace's own setting; the software id is
		// the statement's, signed by that issuer, but still not ours.
		return auditText(labelStatement+":"+g.statement.issuer+":"+g.statement.softwareID, maxAuditClientID)
	case g.statementSent:
		return labelStatement
	case g.use.Kind != store.CredentialNone && g.use.ID != "":
		return g.use.Kind + ":" + g.use.ID
	case g.use.Kind != store.CredentialNone:
		return g.use.Kind
	case bearer == "":
		return "none"
	case g.unmatched:
		return labelUnmatchedBearer
	}
	return labelUncheckedBearer
}

// errBearer is RFC 6750 §3.1 invalid_token with its challenge.
func errBearer(format string, args ...any) *oautherr.Error {
	return oautherr.InvalidTokenf(format, args...).WithChallenge(`Bearer error="invalid_token"`)
}

// errBearerRequired answers a request that carried no token where one is
// needed: RFC 6750 §3.1 wants no error code in its challenge.
func errBearerRequired(what string) *oautherr.Error {
	return oautherr.InvalidTokenf("%s is required (Authorization: Bearer)", what).WithChallenge(`Bearer realm="registrar"`)
}

// authorizer decides whether a registration may proceed under one
// protection mode. It only checks: the credential it names in the grant is
// consumed atomically with the client insert, so that of two requests
// with a single-use credential exactly one registers.
type authorizer interface {
	Authorize(ctx context.Context, ws workspace.Workspace, req Request) (grant, error)
}

// authorizers has one authorizer per registration mode.
var authorizers = map[string]func(*Service) authorizer{
	workspace.ModeOpen: func(s *Service) authorizer { return openAuthorizer{s.Source} },
	workspace.ModeInitialAccessToken: func(s *Service) authorizer {
		return initialAccessTokenAuthorizer{clock: s.Source, store: s.Store, hasher: s.Hasher, tokens: s.Tokens}
	},
	workspace.ModeSoftwareStatement: func(s *Service) authorizer { return statementAuthorizer{s} },
}

// authorize runs the authorizer of the workspace's mode. Settings
// validation admits only the modes in the table, so a mode without one is
// a fault, not a client's mistake.
func (s *Service) authorize(ctx context.Context, ws workspace.Workspace, req Request) (grant, error) {
	newAuthorizer, ok := authorizers[ws.Settings.Registration.Mode]
	if !ok {
		return grant{}, fmt.Errorf("registration mode %q has no authorizer", ws.Settings.Registration.Mode)
	}
	return newAuthorizer(s).Authorize(ctx, ws, req)
}

// openAuthorizer admits anyone: the workspace asks for no token.
type openAuthorizer struct{ clock clock.Source }

func (a openAuthorizer) Authorize(context.Context, workspace.Workspace, Request) (grant, error) {
	return grant{
		use:        store.CredentialUse{At: a.clock.Time()},
		provenance: client.Provenance{Origin: client.OriginDCR},
		open:       true,
	}, nil
}

// statementAuthorizer admits a registration carrying a valid software
// statement from a trusted issuer: the statement is the credential, and
// no bearer token is asked for. A statement is no secret (many copies of
// one serve a piece of software), so nothing is consumed.
type statementAuthorizer struct{ s *Service }

func (a statementAuthorizer) Authorize(ctx context.Context, ws workspace.Workspace, req Request) (grant, error) {
	obj, err := requestObject(ws, req)
	if err != nil {
		return grant{}, err
	}
	token, err := statementOf(obj)
	if err != nil {
		return grant{statementSent: true}, err
	}
	if token == "" {
		return grant{}, errStatement("software_statement: this workspace registers only software with a statement signed by a trusted issuer; none was sent")
	}
	st, err := a.s.verifyStatement(ctx, ws, token)
	if err != nil {
		return grant{statementSent: true}, err
	}
	return grant{
		use:        store.CredentialUse{At: a.s.Time()},
		provenance: client.Provenance{Origin: client.OriginDCR, SoftwareStatementIss: st.issuer},
		statement:  st,
		read:       &readObject{obj},
	}, nil
}
