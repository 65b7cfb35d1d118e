package server

import (
	"errors"

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
