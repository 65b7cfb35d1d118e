package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/registrar-dev/registrar/internal/workspace"
)

// DecodeSettings reads a workspace's settings from doc, YAML or JSON
// (which YAML reads too), on top of base, as the file's workspaces are
// read: lifetimes with units ("10m", "2w"), unknown keys and values of
// the wrong type refused, and then the settings' rules; every problem at
// once, each naming its key. The admin API takes settings this way, so
// that they are as strict and as lenient as the YAML.
func DecodeSettings(doc []byte, base workspace.Settings) (workspace.Settings, []string) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return base, []string{"the settings must be an object"}
	}
	node := root.Content[0]
	lifetimesToSeconds(node)
	settings := base
	if err := decodeStrict(node, &settings); err != nil {
		// Rules checked on values that could not be read would only
		// repeat the problem in other words.
		return base, strings.Split(withoutLine(readableYAMLError(err, node).Error()), "; ")
	}
	var problems []string
	for _, p := range settings.Validate() {
		problems = append(problems, fmt.Sprintf("%s: %s", p.Path(), p.Msg))
	}
	return settings, problems
}

// withoutLine drops the "line 1: " yaml.v3 puts before each problem: a
// JSON body has no lines worth naming.
func withoutLine(msg string) string {
	parts := strings.Split(msg, "; ")
	for i, p := range parts {
		if _, rest, ok := strings.Cut(p, ": "); ok && strings.HasPrefix(p, "line ") {
			parts[i] = rest
		}
	}
	return strings.Join(parts, "; ")
}
