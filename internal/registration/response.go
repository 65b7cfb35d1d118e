package registration

import (
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// respond builds the response: every registered value plus the issued
// secrets and the management endpoint.
func (s *Service) respond(ws workspace.Workspace, endpoint string, cl client.Client, issued issuedSecrets) Response {
	resp := Response(client.View(cl))
	if issued.ClientSecret != "" {
		resp["client_secret"] = issued.ClientSecret
	}
	resp["registration_client_uri"] = s.clientURI(ws, endpoint, cl.ID)
	if issued.RegistrationToken != "" {
		resp["registration_access_token"] = issued.RegistrationToken
		// A token is answered the moment it is issued, so its lifetime is the
		// workspace's TTL exactly (counting from a later clock reading fell a
		// second short).
		resp["registration_access_token_expires_in"] = ws.Settings.Registration.RegistrationTokenTTL
	}
	return resp
}
