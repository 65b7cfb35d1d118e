package interact

import (
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

// Browser is what the flow reads from a request's cookies; a cookie the
// browser does not have is "".
type Browser struct {
	Session string // the session cookie
	CSRF    string // the CSRF cookie, which forms echo (double submit)
}

// FormState is what a login, consent or logout form carries: the CSRF
// token it echoes and the sealed request.
type FormState struct {
	CSRF, Request string
}

// Kind is what the browser gets next.
type Kind int

const (
	// ShowLogin: the sign-in page for Client, with Form; Username fills
	// in the name, Problem says why an attempt failed.
	ShowLogin Kind = iota + 1
	// ShowConsent: the consent page asking Username to let Client have
	// Scope, with Form.
	ShowConsent
	// RedirectToClient: the authorization response, a code or an error,
	// at Location (RFC 6749 §4.1.2).
	RedirectToClient
	// ConfirmLogout: the page asking to confirm signing out of Client
	// (zero when the request named none), with Form.
	ConfirmLogout
	// SignedOut: back to the client at Location when it asked for that,
	// else the page saying the user has signed out.
	SignedOut
)

// Problem is why the sign-in page is shown again.
type Problem int

const (
	NoProblem Problem = iota
	// WrongCredentials: the username or the password is wrong (the page
	// does not say which).
	WrongCredentials
	// Throttled: too many failures; the password was not checked.
	Throttled
	// Locked: the account is locked after too many consecutive failures;
	// the password was not checked.
	Locked
)

// Outcome is the flow's decision about a browser request: what to show or
// where to send it, and which cookies it is to hold. The cookies hold
// also when the request then fails.
type Outcome struct {
	Kind     Kind
	Form     FormState
	Client   client.Client
	Username string
	Problem  Problem
	Scope    string
	// ClientRedirect is the client URI this request may end at: a page's
	// form may lead there (CSP form-action).
	ClientRedirect string
	Location       string
	// NewCSRF, when set, is a new CSRF cookie for the browser.
	NewCSRF string
	// Session, when set, is the session cookie to set or, empty, clear.
	Session *SessionCookie
}

// SessionCookie is the session cookie the browser is to hold: Value for
// MaxAge, or none when Value is empty (signed out).
type SessionCookie struct {
	Value  string
	MaxAge time.Duration
}
