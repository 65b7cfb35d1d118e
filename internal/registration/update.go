package registration

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/policy"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// updatedMetadata applies RFC 7592 §2.2 to a PUT body: client_id must be
// present and equal; a client_secret, if sent, must be the current one;
// server-managed members must not be sent; the rest replaces the metadata
// (omitted members return to their defaults, except the auth method: see
// keepAuthMethod).
func (s *Service) updatedMetadata(ws workspace.Workspace, cl client.Client, upd preparedUpdate) (client.Metadata, error) {
	if upd.err != nil {
		return client.Metadata{}, upd.err
	}
	obj := upd.obj
	var id string
	if err := jsonString(obj, "client_id", &id); err != nil || id != cl.ID {
		return client.Metadata{}, oautherr.InvalidMetadata("client_id: must be present and equal to the client being updated")
	}
	for _, name := range []string{"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"} {
		if _, ok := obj[name]; ok {
			return client.Metadata{}, oautherr.InvalidMetadata("%s: is managed by the server and must not be sent (RFC 7592 §2.2)", name)
		}
	}
	if _, ok := obj["client_secret"]; ok {
		var sec string
		if jsonString(obj, "client_secret", &sec) != nil || !s.Hasher.Verify(secret.PurposeClientSecret, sec, cl.SecretHash) {
			return client.Metadata{}, oautherr.InvalidMetadata("client_secret: does not match the current secret; a client cannot choose its secret")
		}
	}
	if err := checkUpdateStatement(ws, cl, upd.statement); err != nil {
		return client.Metadata{}, err
	}
	md, err := withStatement(obj, upd.statement)
	if err != nil {
		return client.Metadata{}, err
	}
	if md, err = applyTemplate(ws, md, &cl.Metadata); err != nil {
		return client.Metadata{}, err
	}
	keepAuthMethod(&md, cl)
	if md, err = validateMetadata(md, ws); err != nil {
		return client.Metadata{}, err
	}
	if err := checkSecretUnchanged(md, cl); err != nil {
		return client.Metadata{}, err
	}
	call := policyCall{sent: sentRequest{obj, upd.statement}, metadata: md, token: upd.token, client: &cl, operation: policy.OperationUpdate}
	return md, s.checkPolicies(ws, call)
}

// preparedUpdate is what an update's body says, read and verified before
// the client is locked for the change: verifying may fetch keys, which no
// database transaction should wait on. err is answered only once the
// caller has proved it holds the client's token, so that no one else
// learns anything from it.
type preparedUpdate struct {
	obj       map[string]json.RawMessage
	statement *softwareStatement
	err       error
	// signed is a verified signed body's claims, its jti already spent;
	// version is the client's as it was verified against (its keys).
	signed  *signedRequest
	version int64
	// token is what the caller's credential says, for the policies.
	token *presentedToken
}

// prepareUpdate reads an update's body, verifies a signed one with the
// client's registered keys and its software statement when the workspace
// reads statements. A signed body is verified only for a caller that
// holds the client's token (so no one else has the client's keys fetched
// or learns it exists), and its jti is spent only if the update would be
// accepted by the client as read. The error returned is a refusal already
// audited, or an outage; refusals of the body wait in upd.err.
func (s *Service) prepareUpdate(ctx context.Context, ws workspace.Workspace, clientID string, req Request) (preparedUpdate, error) {
	upd := preparedUpdate{token: managementTokenClaims(req)}
	if upd.obj, upd.err = requestObject(ws, req); upd.err != nil {
		return upd, nil
	}
	var cl client.Client
	if req.Signed {
		var err error
		if cl, _, err = s.authenticate(ctx, ws, "update", clientID, req); err != nil {
			return upd, err
		}
		upd.version = cl.Version
		if upd.signed, upd.err = s.verifySignedUpdate(ctx, ws, cl, req, upd.obj); upd.err != nil {
			return upd, nil
		}
	}
	if upd.statement, upd.err = s.updateStatement(ctx, ws, upd.obj); upd.err != nil || upd.signed == nil {
		return upd, nil
	}
	md, err := s.updatedMetadata(ws, cl, upd)
	if err == nil {
		err = s.checkRemoteDocuments(ctx, md)
	}
	if upd.err = err; err != nil {
		return upd, nil
	}
	if err := s.useOnce(ctx, ws, upd.signed); err != nil {
		var oe *oautherr.Error
		if !errors.As(err, &oe) {
			return upd, err
		}
		upd.err = err
	}
	return upd, nil
}

// updateStatement verifies an update's software statement, when the
// workspace reads statements and one was sent.
func (s *Service) updateStatement(ctx context.Context, ws workspace.Workspace, obj map[string]json.RawMessage) (*softwareStatement, error) {
	if ws.Settings.Registration.StatementMode() == workspace.Off {
		return nil, nil
	}
	token, err := statementOf(obj)
	if err != nil || token == "" {
		return nil, err
	}
	return s.verifyStatement(ctx, ws, token)
}

// checkVerifiedVersion: a signed update was verified with the keys of the
// client as read before; if the client changed since, a concurrent call
// won (store.ErrConflict: manage answers so).
func checkVerifiedVersion(upd preparedUpdate, cl client.Client) error {
	if upd.signed != nil && cl.Version != upd.version {
		return store.ErrConflict
	}
	return nil
}

// checkUpdateStatement: an update cannot shed the statement that bounds
// what the client may register, so one is needed where the workspace
// requires it or the client was registered with one; and it must speak
// for the same software.
func checkUpdateStatement(ws workspace.Workspace, cl client.Client, st *softwareStatement) error {
	mode := ws.Settings.Registration.StatementMode()
	switch {
	case mode == workspace.Off:
		return nil
	case st == nil && (mode == workspace.Required || cl.Provenance.SoftwareStatementIss != ""):
		return errStatement("software_statement: this client's registration rests on a software statement; send it (or a newer one) with the update")
	case st != nil && cl.Provenance.SoftwareID != "" && st.softwareID != cl.Provenance.SoftwareID:
		return errStatement("software_statement: it is for software_id %q, and this client is %q", st.softwareID, cl.Provenance.SoftwareID)
	}
	return nil
}

// keepAuthMethod: on update, a body that omits token_endpoint_auth_method
// (or sends null) keeps the registered method, whatever it is. RFC 7592
// §2.2 treats an omitted member as a request to delete it, which would
// return it to its default, but lets the server ignore a null or empty
// value, and for this member it must: the method decides how the client
// proves itself at the token endpoint, which accepts only the registered
// one. The default, client_secret_basic (or what the workspace allows),
// would leave a public client ("none": SPAs, native and MCP apps that PUT
// only what they change) needing a secret an update cannot issue, and
// would switch a client_secret_post client's method behind its back, so
// that its next token request fails. The response says which method is
// registered, as RFC 7591 §3.2.1 wants of any value the server picks. An
// explicit method is applied, within checkSecretUnchanged's limits.
func keepAuthMethod(md *client.Metadata, cl client.Client) {
	if md.TokenEndpointAuthMethod == "" {
		md.TokenEndpointAuthMethod = cl.Metadata.AuthMethod()
	}
}

// checkSecretUnchanged refuses a move between secret-based and other
// auth methods: it would need a secret issued or withdrawn, which only a
// new registration does, and otherwise leave a client that cannot
// authenticate.
func checkSecretUnchanged(md client.Metadata, cl client.Client) error {
	from, to := cl.Metadata.AuthMethod(), md.AuthMethod()
	switch {
	case client.UsesSecret(to) && !client.UsesSecret(from):
		return oautherr.InvalidMetadata("token_endpoint_auth_method: %q needs a client secret, and this client was registered without one (%q); an update cannot issue one, so keep %q or register a new client", to, from, from)
	case !client.UsesSecret(to) && client.UsesSecret(from):
		return oautherr.InvalidMetadata("token_endpoint_auth_method: %q would leave this client's secret unused; an update cannot withdraw it, so keep a secret-based method or register a new client", to)
	case to == client.AuthClientSecretJWT && len(cl.SealedSecret) == 0:
		// The secret of a client registered for another method is kept
		// as a keyed hash only, which cannot key a MAC.
		return oautherr.InvalidMetadata("token_endpoint_auth_method: client_secret_jwt needs a secret the server keeps encrypted, and this client's (%q) is kept only as a hash; register a new client for client_secret_jwt", from)
	}
	return nil
}

// jsonString reads obj[name] as a JSON string.
func jsonString(obj map[string]json.RawMessage, name string, out *string) error {
	raw, ok := obj[name]
	if !ok {
		return errors.New("missing")
	}
	return json.Unmarshal(raw, out)
}
