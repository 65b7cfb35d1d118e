package server

import (
	"crypto/rand"
	"strings"

	"github.com/registrar-dev/registrar/internal/adminapi"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/console"
)

// newConsole assembles the admin console over the operator actions, its
// sessions sealed under a key of their own; wrong admin tokens count
// against the throttle the admin API uses.
func newConsole(env *Env, failures *adminapi.Throttle) (*console.Handler, error) {
	sessions := &console.Sessions{Sealer: env.ConsoleSealer, Now: clock.Now, Random: rand.Reader}
	h, err := console.New(env.Admin(), sessions)
	if err != nil {
		return nil, err
	}
	h.Secure = strings.HasPrefix(env.Config.BaseURL, "https://")
	h.SignIns = failures
	return h, nil
}
