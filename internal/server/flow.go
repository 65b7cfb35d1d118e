package server

import (
	"strings"

	"github.com/registrar-dev/registrar/internal/interact"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// newFlow assembles the browser flow (authorize, login, consent, logout)
// over the protocol service, whose code and refresh grants it enables.
func newFlow(env *Env, protocol *oauth.Service, workspaces workspace.Lookup) (*interact.Handler, error) {
	pages, err := web.New()
	if err != nil {
		return nil, err
	}
	protocol.Flow = &oauth.Flow{Store: env.Store}
	return &interact.Handler{
		Service:    &interact.Service{Store: env.Store, Protocol: protocol, Hasher: env.Hasher, Seal: env.FormSealer},
		Workspaces: workspaces, Pages: pages,
		SecureCookies: strings.HasPrefix(env.Config.BaseURL, "https://"),
	}, nil
}
