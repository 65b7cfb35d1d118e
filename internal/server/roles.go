package server

import (
	"net/http"

	"github.com/registrar-dev/registrar/internal/adminapi"
	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/interact"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/registration"
)

// routeGroups are the endpoints of each role, registered on a node that
// serves it; a path of a role the node does not serve falls through to
// the 404 of any unknown path. Discovery, JWKS and the health checks
// belong to no role: every node serves them.
func routeGroups(protocol *oauth.Handler, flow *interact.Handler, dcr *registration.Handler, adminAPI *adminapi.Handler) map[string]func(*http.ServeMux) {
	return map[string]func(*http.ServeMux){
		config.RoleToken: func(mux *http.ServeMux) {
			protocol.TokenRoutes(mux)
			flow.Routes(mux)
		},
		config.RoleRegistration: dcr.Routes,
		// The CLI administers through the store on any node; the admin
		// API is off the listener of nodes without the role.
		config.RoleAdmin: func(mux *http.ServeMux) { adminAPI.Routes(mux) },
	}
}

// routeRoles registers the public routes and those of the roles cfg
// serves.
func routeRoles(mux *http.ServeMux, cfg config.Config, protocol *oauth.Handler, flow *interact.Handler, dcr *registration.Handler, adminAPI *adminapi.Handler) {
	protocol.PublicRoutes(mux)
	for role, routes := range routeGroups(protocol, flow, dcr, adminAPI) {
		if cfg.HasRole(role) {
			routes(mux)
		}
	}
}

// placeRegistration tells discovery and the client URIs where the
// registration endpoints are: under registration_endpoint when set (the
// nodes serving them are reached there), else under the issuer; discovery
// names none on a node not serving them with no registration_endpoint
// set, as a client could not register at the URL it would name.
func placeRegistration(cfg config.Config, protocol *oauth.Service, dcr *registration.Service) {
	protocol.RegistrationBaseURL = cfg.RegistrationBaseURL()
	protocol.HideRegistrationEndpoint = cfg.RegistrationEndpoint == "" && !cfg.HasRole(config.RoleRegistration)
	dcr.EndpointBaseURL = cfg.RegistrationEndpoint
}
