package registration

import (
	"encoding/json"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// decodeObject reads a body as RFC 7591 §3.1 wants it: one JSON object,
// metadata as its top-level members, decoded strictly.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	obj, err := strictjson.DecodeObject(body)
	if err != nil {
		return nil, oautherr.InvalidMetadata("%v", err)
	}
	return obj, nil
}

// validateMetadata checks md against the workspace's allow-lists and
// fills its defaults (the workspace's own first), at registration and on
// update alike.
func validateMetadata(md client.Metadata, ws workspace.Workspace) (client.Metadata, error) {
	md, p, err := withDefaults(ws, md)
	if err != nil {
		return client.Metadata{}, err
	}
	return client.Validate(boundToCertificate(ws, md), p)
}

// validationProblems is validateMetadata going on past a refusal, for a
// dry run: every check's refusal.
func validationProblems(md client.Metadata, ws workspace.Workspace) (client.Metadata, []error) {
	md, p, err := withDefaults(ws, md)
	if err != nil {
		return md, []error{err}
	}
	return client.Problems(boundToCertificate(ws, md), p)
}
