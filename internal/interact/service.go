package interact

import (
	"context"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Protocol is what the browser flow asks of the protocol layer
// (oauth.Service).
type Protocol interface {
	Issuer(ws workspace.Workspace) string
	ParseAuthorize(ctx context.Context, ws workspace.Workspace, p oauth.Params) (oauth.AuthorizeRequest, client.Client, error)
	IDTokenAudience(ctx context.Context, ws workspace.Workspace, hint string) (string, error)
}

// Store is what the browser flow reads and writes.
type Store interface {
	store.Clients
	store.Users
	store.Sessions
	store.AuthCodes
	store.Consents
	store.LoginThrottle
	store.UsedRequests
}

// Sealer protects the pending authorization request while it travels
// through the login and consent forms (masterkey.Sealer: AES-GCM).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Service holds the browser flow's rules. The clock is injected so tests
// are deterministic.
type Service struct {
	clock.Source
	Store    Store
	Protocol Protocol
	Hasher   *secret.Hasher
	Seal     Sealer
}

// Issuer is the issuer identifier of ws, which every page names.
func (s *Service) Issuer(ws workspace.Workspace) string { return s.Protocol.Issuer(ws) }
