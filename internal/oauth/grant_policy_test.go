package oauth

import (
	"errors"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func policyWorkspace() workspace.Workspace {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	ws.Settings.Scopes = []string{"openid", "profile", "email", "offline_access"}
	return ws
}

func registeredFor(scope string, redirects ...string) client.Client {
	return client.Client{ID: "c", Metadata: client.Metadata{Scope: scope, RedirectURIs: redirects, ApplicationType: client.ApplicationTypeNative}}
}

func errCode(err error) string {
	var oe *oautherr.Error
	if errors.As(err, &oe) {
		return oe.Code
	}
	return ""
}

// TestRefreshScopeFollowsRegistration: a refresh issues the granted (or
// asked) scope within the client's current registration and workspace.
func TestRefreshScopeFollowsRegistration(t *testing.T) {
	const granted = "openid profile email offline_access"
	cases := []struct {
		name, registered, requested, want, code string
		dropEmail                               bool // from the workspace's scopes
	}{
		{"unchanged", granted, "", granted, "", false},
		{"narrowed registration", "openid offline_access", "", "openid offline_access", "", false},
		{"narrower request within it", "openid email offline_access", "email offline_access", "email offline_access", "", false},
		{"a scope asked for twice", granted, "email email offline_access", "email offline_access", "", false},
		{"request for a scope no longer registered", "openid offline_access", "openid email", "", oautherr.InvalidScope, false},
		{"request for a scope never granted", granted + " phone", "phone", "", oautherr.InvalidScope, false},
		{"registered for scopes never granted", granted + " phone", "", granted, "", false},
		{"workspace dropped a scope", granted, "", "openid profile offline_access", "", true},
		{"offline_access no longer registered", "openid profile email", "", "", oautherr.InvalidGrant, false},
		{"nothing registered", "", "openid", "", oautherr.InvalidGrant, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := policyWorkspace()
			if tc.dropEmail {
				ws.Settings.Scopes = []string{"openid", "profile", "offline_access"}
			}
			got, err := refreshScope(ws, registeredFor(tc.registered), tc.requested, granted)
			if got != tc.want || errCode(err) != tc.code {
				t.Fatalf("got %q, %v; want %q, %q", got, err, tc.want, tc.code)
			}
		})
	}
}

// TestCodeScopeFollowsRegistration: a code is redeemed under the client's
// current registration: its redirect URI still registered (a loopback one
// on any port), its scope narrowed, never an OpenID Connect answer
// without openid, never an empty scope from a non-empty authorization.
func TestCodeScopeFollowsRegistration(t *testing.T) {
	const cb = "http://127.0.0.1:8765/cb"
	cases := []struct {
		name, registered, authorized, redirect, want, code string
	}{
		{"unchanged", "openid profile", "openid profile", cb, "openid profile", ""},
		{"narrowed", "openid", "openid profile", cb, "openid", ""},
		{"loopback on another port", "openid", "openid", "http://127.0.0.1:9999/cb", "openid", ""},
		{"no redirect bound", "openid", "profile openid", "", "openid", ""},
		{"redirect dropped", "openid", "openid", "http://127.0.0.1:8765/old", "", oautherr.InvalidGrant},
		{"openid dropped", "profile", "openid profile", cb, "", oautherr.InvalidGrant},
		{"nothing left", "email", "profile", cb, "", oautherr.InvalidGrant},
		{"nothing was authorized", "", "", cb, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := store.AuthCode{Scope: tc.authorized, RedirectURI: tc.redirect}
			got, err := codeScope(policyWorkspace(), registeredFor(tc.registered, cb), code)
			if got != tc.want || errCode(err) != tc.code {
				t.Fatalf("got %q, %v; want %q, %q", got, err, tc.want, tc.code)
			}
		})
	}
}
