package config

import (
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/registrar-dev/registrar/internal/workspace"
)

// lifetimeKeys are the workspace settings that hold a lifetime as whole
// seconds in an int64 (their JSON form is a plain number), under the
// mapping that holds them ("" for the workspace itself).
var lifetimeKeys = map[string][]string{
	"":             {"access_token_ttl", "refresh_token_ttl", "id_token_ttl", "jwks_max_age"},
	"login":        {"lockout"},
	"registration": {"registration_token_ttl"},
}

// lifetimesToSeconds rewrites, in a workspace's mapping, every lifetime
// given with a unit ("2w", "30d", "1h") as its number of seconds, so that
// a lifetime reads alike wherever one is given. A value that is no
// duration is left for the decoder to name as the wrong type.
func lifetimesToSeconds(ws *yaml.Node) {
	for parent, keys := range lifetimeKeys {
		n := ws
		if parent != "" {
			n = child(ws, parent)
		}
		if n == nil || n.Kind != yaml.MappingNode {
			continue
		}
		for _, key := range keys {
			if v := child(n, key); v != nil && v.Kind == yaml.ScalarNode {
				secondsFromDuration(v)
			}
		}
	}
}

// secondsFromDuration turns scalar v into whole seconds if it is a
// duration with a unit.
func secondsFromDuration(v *yaml.Node) {
	if _, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
		return
	}
	if d, err := workspace.ParseDuration(v.Value); err == nil {
		v.Value, v.Tag, v.Style = strconv.FormatInt(int64(d/time.Second), 10), "!!int", 0
	}
}
