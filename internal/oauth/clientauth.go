package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Credentials are what a caller presented to authenticate as a client.
type Credentials struct {
	ClientID string
	Secret   string
	// Method is the token_endpoint_auth_method the presentation amounts to.
	Method string
}

// basicChallenge is sent with every 401 invalid_client (RFC 6749 §5.2,
// RFC 7235 §3.1: a 401 carries a challenge).
const basicChallenge = `Basic realm="registrar", charset="UTF-8"`

func errInvalidClient(format string, args ...any) *oautherr.Error {
	return oautherr.InvalidClientf(format, args...).WithChallenge(basicChallenge)
}

// CredentialsFromRequest extracts client credentials from the Authorization
// header and the form. RFC 6749 §2.3: a client MUST NOT use more than one
// authentication method in a request.
func CredentialsFromRequest(r *http.Request, form httpapi.Form) (Credentials, error) {
	if form.Get("client_assertion") != "" || form.Get("client_assertion_type") != "" {
		return Credentials{}, errInvalidClient("client assertions are not supported by this server")
	}
	auth, err := httpapi.Authorization(r)
	if err != nil {
		return Credentials{}, err
	}
	if auth == "" {
		if id := form.Get("client_id"); id != "" {
			if sec := form.Get("client_secret"); sec != "" {
				return Credentials{ClientID: id, Secret: sec, Method: client.AuthClientSecretPost}, nil
			}
			return Credentials{ClientID: id, Method: client.AuthNone}, nil
		}
		return Credentials{}, errInvalidClient("client authentication is required")
	}
	id, sec, err := parseBasic(auth)
	if err != nil {
		return Credentials{}, err
	}
	if form.Get("client_secret") != "" {
		return Credentials{}, oautherr.InvalidRequestf("client credentials were sent both in the Authorization header and in the body; use one method")
	}
	// FAPI 1 Part 1 §5.2.2-19 / RFC 7521 §4.2: one identity per request.
	if fid := form.Get("client_id"); fid != "" && fid != id {
		return Credentials{}, errInvalidClient("client_id in the body differs from the authenticated client")
	}
	return Credentials{ClientID: id, Secret: sec, Method: client.AuthClientSecretBasic}, nil
}

// parseBasic decodes an HTTP Basic header. RFC 6749 §2.3.1: the id and
// secret are form-urlencoded before base64, so they are unescaped after.
func parseBasic(header string) (id, sec string, err error) {
	scheme, payload, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", errInvalidClient("unsupported Authorization scheme; use Basic client credentials")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	rawID, rawSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	if id, err = url.QueryUnescape(rawID); err != nil || id == "" {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	if sec, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", errInvalidClient("malformed Basic credentials")
	}
	return id, sec, nil
}

// Authenticate checks creds against the registered client. Every failure
// reads the same ("client authentication failed") so callers cannot learn
// which client ids exist.
func (s *Service) Authenticate(ctx context.Context, ws workspace.Workspace, creds Credentials) (client.Client, error) {
	cl, err := s.Store.ClientByID(ctx, ws.Name, creds.ClientID)
	return s.checkCredentials(cl, err, creds)
}

// checkCredentials is Authenticate once the client has been read (err is
// the read's), for callers that read it together with something else.
func (s *Service) checkCredentials(cl client.Client, err error, creds Credentials) (client.Client, error) {
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same hashing work as a real check (timing side channel).
		s.Hasher.Verify(secret.PurposeClientSecret, creds.Secret, orZero(nil))
		return client.Client{}, errInvalidClient("client authentication failed")
	}
	if err != nil {
		return client.Client{}, err
	}
	// OIDC Registration §2: only the registered method is accepted. Saying
	// which one is registered helps a developer, but only a caller who
	// proved the secret may learn it; anyone else would learn that the id
	// exists.
	if cl.Metadata.AuthMethod() != creds.Method {
		secretOK := s.Hasher.Verify(secret.PurposeClientSecret, creds.Secret, orZero(cl.SecretHash))
		if creds.Secret != "" && len(cl.SecretHash) > 0 && secretOK {
			return client.Client{}, errInvalidClient("client authentication failed: the client is registered for %s", cl.Metadata.AuthMethod())
		}
		return client.Client{}, errInvalidClient("client authentication failed")
	}
	if creds.Method == client.AuthNone {
		return cl, nil
	}
	if !s.Hasher.Verify(secret.PurposeClientSecret, creds.Secret, orZero(cl.SecretHash)) {
		return client.Client{}, errInvalidClient("client authentication failed")
	}
	// RFC 7591 §3.2.1: an expired secret no longer authenticates.
	if !cl.SecretExpiresAt.IsZero() && !s.Time().Before(cl.SecretExpiresAt) {
		return client.Client{}, errInvalidClient("client secret has expired")
	}
	return cl, nil
}

// orZero stands in a hash no secret matches for a client that has none, so
// that every path spends the same hashing work.
func orZero(hash []byte) []byte {
	if len(hash) == 0 {
		return []byte{0}
	}
	return hash
}
