package workspace

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Settings stored before jwks_max_age existed decode with 0; they must
// keep the 60 s the JWKS was always served with, not a max-age of 0.
func TestJWKSCacheTTL(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want time.Duration
	}{
		{DefaultSettings(), time.Minute},
		{Settings{}, time.Minute},
		{Settings{JWKSMaxAge: 5}, 5 * time.Second},
	} {
		if got := tc.s.JWKSCacheTTL(); got != tc.want {
			t.Errorf("JWKSMaxAge %d: JWKSCacheTTL() = %v, want %v", tc.s.JWKSMaxAge, got, tc.want)
		}
	}
}

// TestValidatePointsAtTheEntry: a problem with one entry of a list names
// the setting in its message and the entry in its Path, so the config file
// can show the entry's own line; any other problem's Path is its key.
func TestValidatePointsAtTheEntry(t *testing.T) {
	s := DefaultSettings()
	s.Scopes = []string{"openid", "dcr", "bad scope"}
	s.Registration.Scopes = []string{"openid", "email"}
	s.Registration.Mode = "closed"
	var got []string
	for _, err := range s.Validate() {
		got = append(got, err.Path()+" | "+err.Error())
	}
	want := []string{
		`scopes[2] | scopes: "bad scope" is not a scope token (RFC 6749 §3.3: printable ASCII, no space, '"' or '\')`,
		`registration.mode | registration.mode: "closed" is not one of open, initial_access_token`,
		`registration.scopes[1] | registration.scopes: "email" is not among the workspace scopes`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
