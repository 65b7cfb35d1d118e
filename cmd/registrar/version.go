package main

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// buildVersion describes the binary from what the Go toolchain recorded
// in it, so nothing has to be stamped by hand at release time:
//
//   - `go install …/cmd/registrar@v1.2.0` records the module version;
//   - `go install …@latest` of an untagged commit records a pseudo-version,
//     which holds the commit and its date;
//   - `go build` in a git checkout records "(devel)" as the version, and
//     the commit, its date and whether the tree had local changes.
type buildVersion struct {
	Version   string // v1.2.0, a pseudo-version, or "devel"
	Commit    string // full or 12-digit revision; "" when not known
	Date      string // the commit's time, RFC 3339; "" when not known
	Modified  bool   // built from a tree with uncommitted changes
	GoVersion string
}

// readBuildVersion reads the running binary's build information.
func readBuildVersion() buildVersion {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return buildVersion{Version: "devel"}
	}
	v := buildVersion{Version: info.Main.Version, GoVersion: info.GoVersion}
	if v.Version == "" || v.Version == "(devel)" {
		v.Version = "devel"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Date = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	if v.Commit == "" {
		v.Commit, v.Date = pseudoVersionCommit(v.Version)
	}
	return v
}

// pseudoVersionCommit returns the revision and time a Go pseudo-version
// (v0.0.0-20261207154500-50159a8c1f2e, or v1.2.1-0.2026…-…) names, or
// empty strings for any other version.
func pseudoVersionCommit(version string) (commit, date string) {
	parts := strings.Split(version, "-")
	if len(parts) < 3 {
		return "", ""
	}
	rev, stamp := parts[len(parts)-1], parts[len(parts)-2]
	if i := strings.LastIndex(stamp, "."); i >= 0 {
		stamp = stamp[i+1:]
	}
	t, err := time.Parse("20060102150405", stamp)
	if err != nil || len(rev) != 12 || strings.Trim(rev, "0123456789abcdef") != "" {
		return "", ""
	}
	return rev, t.UTC().Format(time.RFC3339)
}

// String is the one line `registrar version` and `--version` print.
func (v buildVersion) String() string {
	var b strings.Builder
	b.WriteString(v.Version)
	if v.Commit != "" {
		fmt.Fprintf(&b, " (commit %s", v.Commit)
		if v.Modified {
			b.WriteString(", modified")
		}
		if v.Date != "" {
			fmt.Fprintf(&b, ", %s", v.Date)
		}
		b.WriteString(")")
	}
	if v.GoVersion != "" {
		fmt.Fprintf(&b, " %s", v.GoVersion)
	}
	return b.String()
}

// setVersion gives root its --version flag.
func setVersion(root *cobra.Command) {
	root.Version = readBuildVersion().String()
	root.SetVersionTemplate("registrar {{.Version}}\n")
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "registrar %s\n", readBuildVersion())
			return nil
		},
	}
}
