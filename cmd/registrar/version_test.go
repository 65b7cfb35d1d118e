package main

import "testing"

// A binary built by `go install …@latest` from an untagged commit knows
// its commit only from the pseudo-version.
func TestPseudoVersionCommit(t *testing.T) {
	for _, tc := range []struct{ version, commit, date string }{
		{"v0.0.0-20261207154500-50159a8c1f2e", "50159a8c1f2e", "2026-12-07T15:45:00Z"},
		{"v1.2.1-0.20261207154500-50159a8c1f2e", "50159a8c1f2e", "2026-12-07T15:45:00Z"},
		{"v1.3.0-rc.1.0.20261207154500-50159a8c1f2e", "50159a8c1f2e", "2026-12-07T15:45:00Z"},
		{"v1.2.0", "", ""},
		{"v1.2.0-rc.1", "", ""},
		{"devel", "", ""},
		{"v0.0.0-20261207154500-NOTHEX123456", "", ""},
	} {
		commit, date := pseudoVersionCommit(tc.version)
		if commit != tc.commit || date != tc.date {
			t.Errorf("pseudoVersionCommit(%q) = %q, %q; want %q, %q", tc.version, commit, date, tc.commit, tc.date)
		}
	}
}

func TestVersionString(t *testing.T) {
	v := buildVersion{Version: "v1.2.0", Commit: "abc", Date: "2026-12-07T15:45:00Z", Modified: true, GoVersion: "go1.26.8"}
	if got, want := v.String(), "v1.2.0 (commit abc, modified, 2026-12-07T15:45:00Z) go1.26.8"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
