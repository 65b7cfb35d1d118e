package server

import (
	"errors"
	"strings"

	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/web"

	"github.com/registrar-dev/registrar/internal/registration"
)

// errNoRegistrationStore: the open store does not implement the
// registration contract (store.Registrations, store.InitialAccessTokens).
var errNoRegistrationStore = errors.New("this store does not support dynamic client registration")

// RegistrationStore returns the store as the registration service needs it.
func (e *Env) RegistrationStore() (registration.Store, error) {
	if rs, ok := e.Store.(registration.Store); ok {
		return rs, nil
	}
	return nil, errNoRegistrationStore
}

// newFlow assembles the browser flow when the store supports it.
func newFlow(env *Env) (*oauth.Flow, error) {
	fs, ok := env.Store.(oauth.FlowStore)
	if !ok {
		return nil, errors.New("this store does not support the browser flow yet")
	}
	pages, err := web.New()
	if err != nil {
		return nil, err
	}
	return &oauth.Flow{
		Store: fs, Pages: pages, Seal: env.FormSealer,
		SecureCookies: strings.HasPrefix(env.Config.BaseURL, "https://"),
	}, nil
}
