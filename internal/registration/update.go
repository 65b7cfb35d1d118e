package registration

import (
	"encoding/json"
	"errors"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// updatedMetadata applies RFC 7592 §2.2 to a PUT body: client_id must be
// present and equal; a client_secret, if sent, must be the current one;
// server-managed members must not be sent; the rest replaces the metadata
// (omitted members return to their defaults, except the auth method: see
// keepAuthMethod).
func (s *Service) updatedMetadata(ws workspace.Workspace, cl client.Client, body []byte) (client.Metadata, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return client.Metadata{}, err
	}
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
	md, err := client.DecodeMetadata(obj)
	if err != nil {
		return client.Metadata{}, err
	}
	keepAuthMethod(&md, cl)
	if md, err = validateMetadata(md, ws); err != nil {
		return client.Metadata{}, err
	}
	return md, checkSecretUnchanged(md, cl)
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
