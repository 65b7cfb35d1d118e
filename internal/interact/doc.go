// Package interact is the browser side of the authorization code flow:
// the authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), sign-in
// with its throttling and account locks (NIST SP 800-63B §5.2.2),
// consent, RP-initiated logout (OIDC RP-Initiated Logout 1.0), the session
// and CSRF cookies and the sealed pending request that carries an
// authorization request through the pages.
//
// Handlers (handler.go) read cookies and forms, and render pages, set
// cookies and redirect; Service methods take typed requests and return an
// Outcome that says what the browser gets next. Validating the request and
// everything after the code (the token endpoint, userinfo) is
// internal/oauth's, reached through the Protocol interface. It must not
// import internal/server or any store implementation, and internal/oauth
// must not import it.
package interact
