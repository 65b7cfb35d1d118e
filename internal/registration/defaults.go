package registration

import (
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// withDefaults gives each member md omits the workspace's
// registration.defaults value, before validation fills the RFC 7591 ones,
// so the response shows every value the client was registered with, and
// returns the workspace's allow-lists to validate it by, saying whether
// the defaults gave its response types. Settings validation decoded the
// defaults already; failing here is a fault of the stored settings, not
// of the request.
func withDefaults(ws workspace.Workspace, md client.Metadata) (client.Metadata, client.Policy, error) {
	p := allowListsFor(ws)
	if len(ws.Settings.Registration.Defaults) == 0 {
		return md, p, nil
	}
	defaults, names, err := ws.Settings.Registration.Defaults.Metadata()
	if err != nil {
		return client.Metadata{}, p, err
	}
	sent := md.Has("response_types")
	md.Fill(defaults, names)
	p.DefaultedResponseTypes = !sent && md.Has("response_types")
	return md, p, nil
}
