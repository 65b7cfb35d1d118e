package server

import (
	"strings"

	"github.com/registrar-dev/registrar/internal/interact"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/web"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// newFlow assembles the browser flow (authorize, login, consent, logout)
// over the protocol service; the caller enables the protocol's code and
// refresh grants (oauth.Service.Flow) alongside it.
func newFlow(env *Env, protocol *oauth.Service, workspaces workspace.Lookup) (*interact.Handler, error) {
	pages, err := web.New()
	if err != nil {
		return nil, err
	}
	return &interact.Handler{
		Service:    &interact.Service{Store: env.Store, Protocol: protocol, Hasher: env.Hasher, Seal: env.FormSealer},
		Workspaces: workspaces, Pages: pages,
		SecureCookies: strings.HasPrefix(env.Config.BaseURL, "https://"),
	}, nil
}
