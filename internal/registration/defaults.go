package registration

import (
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// withDefaults gives each member md omits the workspace's
// registration.defaults value, before validation fills the RFC 7591 ones,
// so the response shows every value the client was registered with.
// Settings validation decoded the defaults already; failing here is a
// fault of the stored settings, not of the request.
func withDefaults(ws workspace.Workspace, md client.Metadata) (client.Metadata, error) {
	if len(ws.Settings.Registration.Defaults) == 0 {
		return md, nil
	}
	defaults, names, err := ws.Settings.Registration.Defaults.Metadata()
	if err != nil {
		return client.Metadata{}, err
	}
	md.Fill(defaults, names)
	return md, nil
}
