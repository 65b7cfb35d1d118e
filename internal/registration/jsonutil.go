package registration

import (
	"encoding/json"
	"errors"
)

// jsonString reads obj[name] as a JSON string.
func jsonString(obj map[string]json.RawMessage, name string, out *string) error {
	raw, ok := obj[name]
	if !ok {
		return errors.New("missing")
	}
	return json.Unmarshal(raw, out)
}
