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

// Settings stored before login existed decode with zeros: they get the
// defaults (100 failures, an hour), not a lock at the first failure.
// Written ones are checked: NIST SP 800-63B §5.2.2 allows at most 100.
func TestLoginSettings(t *testing.T) {
	for _, tc := range []struct {
		login       Login
		maxFailures int
		lockout     time.Duration
	}{
		{DefaultSettings().Login, 100, time.Hour},
		{Login{}, 100, time.Hour},
		{Login{MaxFailures: 5, Lockout: 60}, 5, time.Minute},
	} {
		s := Settings{Login: tc.login}
		if got := s.LoginMaxFailures(); got != tc.maxFailures {
			t.Errorf("%+v: LoginMaxFailures() = %d, want %d", tc.login, got, tc.maxFailures)
		}
		if got := s.LoginLockout(); got != tc.lockout {
			t.Errorf("%+v: LoginLockout() = %v, want %v", tc.login, got, tc.lockout)
		}
	}
	for _, tc := range []struct {
		login Login
		keys  []string
	}{
		{Login{MaxFailures: 100, Lockout: 1}, nil},
		{Login{MaxFailures: 101, Lockout: 3600}, []string{"login.max_failures"}},
		{Login{MaxFailures: 0, Lockout: 0}, []string{"login.max_failures", "login.lockout"}},
	} {
		s := DefaultSettings()
		s.Login = tc.login
		var keys []string
		for _, err := range s.Validate() {
			keys = append(keys, err.Key)
		}
		if !slices.Equal(keys, tc.keys) {
			t.Errorf("%+v: problems with %v, want %v", tc.login, keys, tc.keys)
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
		`registration.mode | registration.mode: "closed" is not one of open, initial_access_token, software_statement`,
		`registration.scopes[1] | registration.scopes: "email" is not among the workspace scopes`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRegistrationScopeAmongScopes: an access token is an initial access
// token through the registration scope, which a client can only be granted
// if the workspace has it. Where registration does not read the scope, it
// is not checked.
func TestRegistrationScopeAmongScopes(t *testing.T) {
	if errs := DefaultSettings().Validate(); len(errs) != 0 {
		t.Fatalf("the default settings are invalid: %v", errs)
	}
	s := DefaultSettings()
	s.Scopes = []string{"openid", "profile", "api"}
	errs := s.Validate()
	if len(errs) != 1 || errs[0].Path() != "registration.scope" || !strings.Contains(errs[0].Msg, `"dcr" is not among the workspace scopes`) {
		t.Fatalf("Validate = %v; want one registration.scope error naming dcr", errs)
	}
	for name, change := range map[string]func(*Settings){
		"registration off":  func(s *Settings) { s.Registration.Enabled = false },
		"open mode":         func(s *Settings) { s.Registration.Mode = ModeOpen },
		"no scope":          func(s *Settings) { s.Registration.Scope = "" },
		"a workspace scope": func(s *Settings) { s.Registration.Scope = "api" },
	} {
		c := s
		change(&c)
		if errs := c.Validate(); len(errs) != 0 {
			t.Errorf("%s: %v", name, errs)
		}
	}
}
