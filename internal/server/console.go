package server

import (
	"crypto/rand"
	"log/slog"
	"os"
	"strings"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/console"
)

// newConsole assembles the admin console over the operator actions, its
// sessions sealed under a key of their own.
func newConsole(env *Env, log *slog.Logger) (*console.Handler, error) {
	sessions := &console.Sessions{Sealer: env.ConsoleSealer, Now: clock.Now, Random: rand.Reader}
	svc := env.Admin()
	svc.EnvAdminToken = os.Getenv("REGISTRAR_ADMIN_TOKEN") // TEMPORARY until the adminapi branch's wiring lands
	return console.New(svc, sessions, strings.HasPrefix(env.Config.BaseURL, "https://"), log)
}
