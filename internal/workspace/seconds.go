package workspace

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Seconds is a duration kept as whole seconds, as the other settings'
// durations are, so its JSON form is a plain number. In YAML it is a number
// of seconds or a duration with a unit, days included ("30d", "12h").
type Seconds int64

// Duration is s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) * time.Second }

// UnmarshalYAML reads a number of seconds or a duration (see ParseDuration).
func (s *Seconds) UnmarshalYAML(node *yaml.Node) error {
	if n, err := strconv.ParseInt(node.Value, 10, 64); err == nil && node.Kind == yaml.ScalarNode {
		if n < 0 {
			return fmt.Errorf("line %d: %q is negative", node.Line, node.Value)
		}
		*s = Seconds(n)
		return nil
	}
	d, err := ParseDuration(node.Value)
	if err != nil || node.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q is not a duration %s", node.Line, node.Value, DurationExamples)
	}
	*s = Seconds(d / time.Second)
	return nil
}

// DurationExamples says, in an error, what ParseDuration takes.
const DurationExamples = "(e.g. 2w, 90d, 12h, 30m, or a number of seconds)"

// longUnits are the units lifetimes and retention periods are thought in
// that Go's durations lack.
var longUnits = []struct {
	suffix, name string
	unit         time.Duration
}{{"d", "days", 24 * time.Hour}, {"w", "weeks", 7 * 24 * time.Hour}}

// ParseDuration reads a Go duration ("12h", "90m") or a whole number of
// days ("90d") or weeks ("2w"). Negative durations are refused.
func ParseDuration(v string) (time.Duration, error) {
	for _, u := range longUnits {
		count, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(count, 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a whole number of %s", v, u.name)
		}
		return time.Duration(n) * u.unit, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	return d, nil
}
