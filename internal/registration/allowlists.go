package registration

import (
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// allowListsFor turns workspace settings into the static allow-lists
// metadata validation enforces, at registration and on every update
// alike, narrowed to the workspace's profile.
func allowListsFor(ws workspace.Workspace) client.Policy {
	s := ws.Settings
	return s.HoldToProfile(client.Policy{
		Scopes:                      s.RegistrationScopes(),
		GrantTypes:                  s.Registration.GrantTypes,
		ResponseTypes:               s.Registration.ResponseTypes,
		AuthMethods:                 s.Registration.AuthMethods,
		SigningAlgs:                 workspace.SigningAlgs,
		AssertionAlgs:               s.AssertionAlgs(),
		AllowUnsignedRequestObjects: s.RequestObjects.AllowUnsigned,
		RedirectSchemes:             s.Registration.RedirectSchemes,
		RedirectHosts:               s.Registration.RedirectHosts,
		MaxAccessTokenTTL:           s.AccessTokenTTL,
		MaxRefreshTokenTTL:          s.RefreshTokenTTL,
		MaxIDTokenTTL:               s.IDTokenTTL,
		MobileApplicationType:       s.IsProfile(workspace.ProfileOpenBankingUK),
	})
}
