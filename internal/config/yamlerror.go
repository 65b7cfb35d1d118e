package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// durationExamples says what a duration looks like, wherever one is refused.
const durationExamples = "(e.g. 500ms, 30s, 1m)"

var (
	// typeErrorRE matches yaml.v3's message for a value of the wrong type:
	// its line, the value's tag and the value (cut to 7 bytes and "..."
	// when longer than 10, absent for a list or mapping), and the Go type
	// it was meant for.
	typeErrorRE = regexp.MustCompile("^line (\\d+): cannot unmarshal (\\S+)(?: `(.*)`)? into (.+)$")
	// unknownFieldRE matches yaml.v3's message for an unknown key, whose
	// tail is a Go struct type no user should have to read.
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type `)
	// lineRE matches the line prefix yaml.v3 puts on each message.
	lineRE = regexp.MustCompile(`^line \d+: `)
)

// entry is one node of a YAML tree with its path from the root, as a user
// would name it: key_refresh, workspaces[0] (p).registration.enabled.
// key is nil for the root and for list items.
type entry struct {
	path       string
	key, value *yaml.Node
}

// entries lists n and every node below it in document order, so two trees
// of the same shape list matching nodes at the same index.
func entries(n *yaml.Node) []entry {
	var out []entry
	var walk func(path string, key, n *yaml.Node)
	walk = func(path string, key, n *yaml.Node) {
		out = append(out, entry{path, key, n})
		switch n.Kind {
		case yaml.DocumentNode:
			out = out[:len(out)-1]
			for _, c := range n.Content {
				walk(path, nil, c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				walk(p, k, n.Content[i+1])
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				// A named entry (a workspace) is named as Validate names it.
				if name := mappingValue(c, "name"); name != "" {
					p += " (" + name + ")"
				}
				walk(p, nil, c)
			}
		}
	}
	walk("", nil, n)
	return out
}

// mappingValue is the scalar under key in mapping n, or "".
func mappingValue(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// problem is one yaml.v3 type-error message, parsed: an unknown key
// (field) or a value of the wrong type (tag, value, into).
type problem struct {
	line  int
	field string
	tag   string
	value string
	into  string
}

func parseProblem(msg string) (problem, bool) {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return problem{line: line, field: m[2]}, true
	}
	m := typeErrorRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return problem{}, false
	}
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	p := problem{line: line, tag: msg[m[4]:m[5]], into: msg[m[8]:m[9]]}
	if m[6] >= 0 {
		p.value = msg[m[6]:m[7]]
	}
	return p, true
}

// node is the node the message points at: the key of an unknown key, the
// value of a wrong type.
func (p problem) node(e entry) *yaml.Node {
	if p.field != "" {
		return e.key
	}
	return e.value
}

// find returns the index of the first entry not yet used that p is about,
// or -1. yaml.v3 gives a line but no column, so the key, or the value and
// its tag, that it quotes tell entries on one line apart.
func (p problem) find(es []entry, used map[int]bool) int {
	for i, e := range es {
		n := p.node(e)
		if used[i] || n == nil || n.Line != p.line {
			continue
		}
		ok := n.Value == p.field
		if p.field == "" {
			v := n.Value
			if len(v) > 10 {
				v = v[:7] + "..."
			}
			ok = n.ShortTag() == p.tag && v == p.value
		}
		if ok {
			used[i] = true
			return i
		}
	}
	return -1
}

// String says p about e in the words of the file: the key's path, the
// value, and what the key takes.
func (p problem) String(e entry) string {
	prefix := fmt.Sprintf("line %d: ", p.line)
	if e.path != "" {
		prefix += e.path + ": "
	}
	if p.field != "" {
		return prefix + "unknown setting"
	}
	got := strconv.Quote(e.value.Value)
	switch e.value.Kind {
	case yaml.SequenceNode:
		got = "a list"
	case yaml.MappingNode:
		got = "a mapping"
	}
	return prefix + got + " is not " + describeType(p.into)
}

// describeType names a Go type as a YAML value.
func describeType(goType string) string {
	switch {
	case goType == "time.Duration":
		return "a duration " + durationExamples
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	default: // a struct or map: settings nested under a key
		return "a mapping"
	}
}

// readableYAMLError rewrites yaml.v3's messages about doc for people
// editing it: each names its key and line, and what the key takes.
func readableYAMLError(err error, doc *yaml.Node) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	es, used := entries(doc), map[int]bool{}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = unknownFieldRE.ReplaceAllString(m, "line $1: unknown setting $2 in ")
		if p, ok := parseProblem(m); ok {
			if j := p.find(es, used); j >= 0 {
				msgs[i] = p.String(es[j])
			}
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// decodeStrict decodes node into v rejecting unknown keys. yaml.Node.Decode
// has no strict mode, so it re-encodes node and decodes that; its errors
// are moved back onto node's lines, so they read as if the decoder of the
// whole file had found them.
func decodeStrict(node *yaml.Node, v any) error {
	node, err := withoutAliases(node)
	if err != nil {
		return err
	}
	raw, err := yaml.Marshal(node)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	err = dec.Decode(v)
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var copied yaml.Node
	if err := yaml.Unmarshal(raw, &copied); err != nil {
		return err
	}
	from, to, used := entries(&copied), entries(node), map[int]bool{}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = m
		if p, ok := parseProblem(m); ok {
			if j := p.find(from, used); j >= 0 && j < len(to) {
				msgs[i] = lineRE.ReplaceAllString(m, fmt.Sprintf("line %d: ", p.node(to[j]).Line))
			}
		}
	}
	return &yaml.TypeError{Errors: msgs}
}

// withoutAliases copies n with each alias replaced by a copy of the node
// it names, so that n encodes on its own: an anchor set outside n (the
// first workspace's settings merged into the next with `<<: *base`) would
// be unknown to the decoder of n alone. A copied node keeps the line of
// the anchored original, where an error in it is to be fixed. An anchor
// that contains itself, or aliases that multiply past maxExpandedNodes
// (yaml.v3 guards its own decoder so), are refused, not followed.
func withoutAliases(n *yaml.Node) (*yaml.Node, error) {
	x := expander{expanding: map[*yaml.Node]bool{}}
	return x.copy(n)
}

// maxExpandedNodes bounds the copy: far above any real configuration.
const maxExpandedNodes = 100_000

type expander struct {
	expanding map[*yaml.Node]bool // the anchors being copied now
	nodes     int
}

func (x *expander) copy(n *yaml.Node) (*yaml.Node, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if x.expanding[n.Alias] {
			return nil, fmt.Errorf("line %d: anchor %q contains itself", n.Line, n.Value)
		}
		x.expanding[n.Alias] = true
		defer delete(x.expanding, n.Alias)
		return x.copy(n.Alias)
	}
	if x.nodes++; x.nodes > maxExpandedNodes {
		return nil, fmt.Errorf("line %d: aliases expand to more than %d values", n.Line, maxExpandedNodes)
	}
	c := *n
	c.Anchor = ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		var err error
		if c.Content[i], err = x.copy(child); err != nil {
			return nil, err
		}
	}
	return &c, nil
}
