package server

import (
	"strings"

	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/web"
)

// newFlow assembles the browser flow (login, consent, codes, refresh).
func newFlow(env *Env) (*oauth.Flow, error) {
	pages, err := web.New()
	if err != nil {
		return nil, err
	}
	return &oauth.Flow{
		Store: env.Store, Pages: pages, Seal: env.FormSealer,
		SecureCookies: strings.HasPrefix(env.Config.BaseURL, "https://"),
	}, nil
}
