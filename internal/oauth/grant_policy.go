package oauth

import (
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// A grant outlives the registration it was made under: an RFC 7592 update
// (or the workspace's scopes) may since have narrowed what the client is
// registered for, or dropped the redirect URI a code went to. Every token
// is issued under the registration as it is at the token request, as the
// grant types already are (a client no longer registered for refresh_token
// gets unauthorized_client at once):
//
//   - The tokens get the scope the user granted within the scope the
//     client is registered for now (and the workspace still has). RFC 6749
//     §3.3 makes the registration the server's scope policy and lets it
//     issue less than was asked, saying in the response's scope what it
//     issued; RFC 9700 §4.14.2 binds refresh tokens to what was consented,
//     and a client that has said it no longer needs a scope has taken that
//     scope out of what it may hold (docs/design-notes.md says why we
//     narrow rather than refuse).
//   - A rotated refresh token keeps the scope the user granted (RFC 6749
//     §6: identical to the one presented); only what it issues is narrowed,
//     so a grant holds no more than the registration allows at any time.
//   - What cannot be narrowed is refused with invalid_grant, the answer
//     that tells a client to start a new authorization: a refresh when the
//     client is no longer registered for offline_access, which every refresh
//     token exists by; a code whose OpenID Connect request (openid) can no
//     longer get its ID token (OIDC Core §3.1.3.3), or whose scope has
//     nothing left; a code sent to a redirect URI the client no longer has.
//     A refresh that asks outright for a scope no longer registered gets
//     invalid_scope, as its request is what is wrong.

const (
	scopeOpenID        = "openid"
	scopeOfflineAccess = "offline_access"
)

// clientScopes are the scopes cl may hold now: those it is registered for
// that ws still has.
func clientScopes(ws workspace.Workspace, cl client.Client) []string {
	return filterKnown(strings.Fields(cl.Metadata.Scope), ws.Settings.Scopes)
}

// refreshScope is the scope of the access token a refresh issues: the
// scope asked for, or without one all that was granted, within what the
// client may hold now (see above).
func refreshScope(ws workspace.Workspace, cl client.Client, requested, granted string) (string, error) {
	allowed := clientScopes(ws, cl)
	if !slices.Contains(allowed, scopeOfflineAccess) {
		return "", errInvalidGrant("the client is no longer registered for scope %s, which refresh tokens need; start a new authorization", scopeOfflineAccess)
	}
	have := strings.Fields(granted)
	if requested == "" {
		return strings.Join(filterKnown(have, allowed), " "), nil
	}
	// A refresh may ask for less than was granted, never more (RFC 6749 §6).
	var scopes []string
	for _, sc := range strings.Fields(requested) {
		if !slices.Contains(have, sc) {
			return "", oautherr.InvalidScopef("scope %q was not granted", sc)
		}
		if !slices.Contains(allowed, sc) {
			return "", oautherr.InvalidScopef("scope %q is no longer registered for this client", sc)
		}
		if !slices.Contains(scopes, sc) { // a scope is a set (RFC 6749 §3.3)
			scopes = append(scopes, sc)
		}
	}
	return strings.Join(scopes, " "), nil
}

// codeScope checks a code against the client's registration as it is now
// and returns the scope its tokens get (see above). A code bound to no
// redirect URI (none was sent, one was registered) cannot be checked: the
// store keeps only the URI the request named.
func codeScope(ws workspace.Workspace, cl client.Client, code store.AuthCode) (string, error) {
	if code.RedirectURI != "" {
		if _, err := matchRedirect(cl, code.RedirectURI); err != nil {
			return "", errInvalidGrant("the code's redirect_uri is no longer registered for the client")
		}
	}
	authorized := strings.Fields(code.Scope)
	scopes := filterKnown(authorized, clientScopes(ws, cl))
	if slices.Contains(authorized, scopeOpenID) && !slices.Contains(scopes, scopeOpenID) {
		return "", errInvalidGrant("the code answers an OpenID Connect request, and the client is no longer registered for scope %s", scopeOpenID)
	}
	if len(authorized) > 0 && len(scopes) == 0 {
		return "", errInvalidGrant("the client is no longer registered for any scope the code was authorized for")
	}
	return strings.Join(scopes, " "), nil
}
