package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlFile is the config file Load read, kept as its YAML tree so that a
// problem found once the file is decoded (a value out of range, a scope
// that is not a token) can be named on the file's line, as yaml.v3 names
// the problems it finds while decoding.
type yamlFile struct {
	path string
	doc  yaml.Node
}

// stepRE splits a key path into its steps: a mapping key or a list index
// ("workspaces[1].scopes[0]" → workspaces, [1], scopes, [0]).
var stepRE = regexp.MustCompile(`[^.\[\]]+|\[\d+\]`)

// line is the line of the value at path in the file, or 0 when the file
// (nil: none was read) does not hold it. A value the file lacks, such as a
// workspace without a name, is placed on the line of its nearest enclosing
// entry; a top-level key the file lacks is on no line.
func (f *yamlFile) line(path string) int {
	if f == nil || len(f.doc.Content) == 0 {
		return 0
	}
	line, n := 0, f.doc.Content[0]
	for _, step := range stepRE.FindAllString(path, -1) {
		if n = child(n, step); n == nil {
			break
		}
		line = n.Line
	}
	return line
}

// child is the node one step below n: the value of a mapping key, or an
// entry of a list given as "[i]"; nil if n has none.
func child(n *yaml.Node, step string) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if i, ok := strings.CutPrefix(step, "["); ok {
		i, err := strconv.Atoi(strings.TrimSuffix(i, "]"))
		if n.Kind != yaml.SequenceNode || err != nil || i >= len(n.Content) {
			return nil
		}
		return n.Content[i]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == step {
			return n.Content[i+1]
		}
	}
	return nil
}

// problem is err about the setting named key, whose value sits at path
// in the YAML tree (the key itself, or an entry of it: key "scopes" at
// "workspaces[1].scopes[2]"). It names where the value came from, so the
// user knows what to edit: the flag or variable that set it (they beat
// the file), else the file and line, in the words of readableYAMLError.
func (c Config) problem(key, path string, err error) error {
	if from := c.origin[stepRE.FindString(path)]; from != "" {
		return fmt.Errorf("%s (from %s): %w", key, from, err)
	}
	if line := c.file.line(path); line > 0 {
		return fmt.Errorf("config file %s: line %d: %s: %w", c.file.path, line, key, err)
	}
	return fmt.Errorf("%s: %w", key, err)
}

// errorf is a problem with the setting at key as a whole (not with one
// entry of a list), so that key is both its name and its path.
func (c Config) errorf(key, format string, args ...any) error {
	return c.problem(key, key, fmt.Errorf(format, args...))
}
