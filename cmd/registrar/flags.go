package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/registrar-dev/registrar/internal/workspace"
)

// lifetime is a flag's duration that also takes days and weeks ("30d",
// "2w"), as lifetimes are given in the YAML. It reports the type
// "duration", so pflag's GetDuration reads it.
type lifetime time.Duration

func (l *lifetime) Set(s string) error {
	d, err := workspace.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (e.g. 2w, 30d, 12h, 30m)")
	}
	*l = lifetime(d)
	return nil
}

func (l *lifetime) String() string { return time.Duration(*l).String() }
func (l *lifetime) Type() string   { return "duration" }

// lifetimeFlag defines a duration flag that takes days and weeks too.
func lifetimeFlag(f *pflag.FlagSet, name string, def time.Duration, usage string) {
	v := lifetime(def)
	f.Var(&v, name, usage+" (e.g. 2w, 30d, 12h, 30m)")
}

// unknownFlagRE finds the flag pflag names in an unknown-flag error.
var unknownFlagRE = regexp.MustCompile(`^unknown flag: --(\S+)$`)

// explainFlagError makes a flag error say how the command is used and, for a
// mistyped flag, which flag was probably meant.
func explainFlagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if m := unknownFlagRE.FindStringSubmatch(msg); m != nil {
		if near := nearestFlag(cmd, m[1]); near != "" {
			msg += fmt.Sprintf("; did you mean --%s?", near)
		}
	}
	return fmt.Errorf("%s\nusage: %s\nrun '%s --help' for every flag", msg, cmd.UseLine(), cmd.CommandPath())
}

// nearestFlag is the flag of cmd closest to name, if one is close enough
// to be a typo (an edit distance of at most a third of its length, at
// least 2), or one that name starts or ends.
func nearestFlag(cmd *cobra.Command, name string) string {
	best, bestDist := "", 0
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name) {
			d = min(d, 1)
		}
		if d <= max(2, len(f.Name)/3) && (best == "" || d < bestDist) {
			best, bestDist = f.Name, d
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
