package client

import "encoding/json"

// View renders a client as RFC 7591 §3.2.1 shapes it: every registered
// metadata value, defaults included and explicit (an absent member would
// let the client assume a default the server did not apply), language
// tags flattened back to "client_name#fr" members, plus client_id and
// client_id_issued_at. Secrets are added by the caller when issued.
func View(cl Client) map[string]any {
	md := cl.Metadata
	raw, _ := json.Marshal(md)
	view := map[string]any{}
	json.Unmarshal(raw, &view)
	delete(view, "localized")
	for k, v := range md.Localized {
		view[k] = v
	}
	view["client_id"] = cl.ID
	view["client_id_issued_at"] = cl.IssuedAt.Unix()
	view["token_endpoint_auth_method"] = md.AuthMethod()
	view["grant_types"] = md.Grants()
	view["response_types"] = nonNil(md.ResponseTypes)
	view["require_auth_time"] = md.RequireAuthTime
	if md.ApplicationType != "" {
		view["application_type"] = md.ApplicationType
	}
	if UsesSecret(md.AuthMethod()) {
		view["client_secret_expires_at"] = int64(0)
		if !cl.SecretExpiresAt.IsZero() {
			view["client_secret_expires_at"] = cl.SecretExpiresAt.Unix()
		}
	}
	return view
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
