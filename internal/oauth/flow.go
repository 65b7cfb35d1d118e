package oauth

import (
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/web"
)

// FlowStore is what the browser flow (authorize, login, consent, codes,
// refresh tokens, userinfo, logout) persists.
type FlowStore interface {
	store.Users
	store.Sessions
	store.AuthCodes
	store.Consents
	store.RefreshTokens
	store.LoginThrottle
	store.UsedRequests
}

// Sealer protects the pending authorization request while it travels
// through the login and consent forms (jose.Sealer: AES-GCM).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Flow holds the browser-flow dependencies. A Service without one serves
// only client_credentials, introspection and revocation.
type Flow struct {
	Store FlowStore
	Pages *web.Renderer
	Seal  Sealer
	// SecureCookies is true when the issuer is https.
	SecureCookies bool
}
