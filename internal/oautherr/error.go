// Package oautherr holds the one protocol error type shared by every OAuth
// surface (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 7591 §3.2.2,
// RFC 7592). It is a leaf: it imports nothing of ours.
package oautherr

import (
	"fmt"
	"net/http"
)

// Error is an OAuth protocol error. Code and Description go on the wire;
// Err is the cause, for logs only, and never sent to the client.
type Error struct {
	Code        string
	Description string
	Status      int
	// Challenge, when set, becomes the WWW-Authenticate header of a 401
	// (for example `Basic realm="registrar"` or `Bearer error="invalid_token"`).
	Challenge string
	Err       error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Description, e.Err)
	}
	return e.Code + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.Err }

// WithCause returns a copy that records err as the cause (logged, never sent).
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// Codes and their default status. One table, so that a code cannot drift
// from its status in one handler and not another.
const (
	InvalidRequest              = "invalid_request"
	InvalidClient               = "invalid_client"
	InvalidGrant                = "invalid_grant"
	UnauthorizedClient          = "unauthorized_client"
	UnsupportedGrantType        = "unsupported_grant_type"
	InvalidScope                = "invalid_scope"
	InvalidTarget               = "invalid_target" // RFC 8707 §2
	InvalidToken                = "invalid_token"
	InvalidRequestObject        = "invalid_request_object" // RFC 9101 §6.3
	InvalidRequestURI           = "invalid_request_uri"    // RFC 9101 §7, RFC 9126 §4
	InsufficientScope           = "insufficient_scope"
	UnsupportedTokenType        = "unsupported_token_type"
	InvalidClientMetadata       = "invalid_client_metadata"
	InvalidRedirectURI          = "invalid_redirect_uri"
	InvalidSoftwareStatement    = "invalid_software_statement"
	UnapprovedSoftwareStatement = "unapproved_software_statement"
	NotFound                    = "not_found"
	AccessDenied                = "access_denied" // status per use: a redirect at authorize, 403 elsewhere
	TemporarilyUnavailable      = "temporarily_unavailable"
	SlowDown                    = "slow_down" // RFC 8628 §3.5; 429 per RFC 6585 §4
	ServerError                 = "server_error"
)

var statusByCode = map[string]int{
	InvalidRequest:              http.StatusBadRequest,
	InvalidClient:               http.StatusUnauthorized,
	InvalidGrant:                http.StatusBadRequest,
	UnauthorizedClient:          http.StatusBadRequest,
	UnsupportedGrantType:        http.StatusBadRequest,
	InvalidScope:                http.StatusBadRequest,
	InvalidTarget:               http.StatusBadRequest,
	InvalidToken:                http.StatusUnauthorized,
	InvalidRequestObject:        http.StatusBadRequest,
	InvalidRequestURI:           http.StatusBadRequest,
	InsufficientScope:           http.StatusForbidden,
	UnsupportedTokenType:        http.StatusBadRequest,
	InvalidClientMetadata:       http.StatusBadRequest,
	InvalidRedirectURI:          http.StatusBadRequest,
	InvalidSoftwareStatement:    http.StatusBadRequest,
	UnapprovedSoftwareStatement: http.StatusBadRequest,
	NotFound:                    http.StatusNotFound,
	TemporarilyUnavailable:      http.StatusServiceUnavailable,
	SlowDown:                    http.StatusTooManyRequests,
	ServerError:                 http.StatusInternalServerError,
}

// New returns a fresh error whose status comes from the code table.
func New(code, format string, args ...any) *Error {
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

// WithStatus returns a copy with another status (RFC 6749 §5.2 lets
// invalid_client be 400 when no Authorization header was used, for example).
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// WithChallenge returns a copy carrying a WWW-Authenticate value.
func (e *Error) WithChallenge(challenge string) *Error {
	c := *e
	c.Challenge = challenge
	return &c
}

func InvalidRequestf(format string, args ...any) *Error { return New(InvalidRequest, format, args...) }
func InvalidClientf(format string, args ...any) *Error  { return New(InvalidClient, format, args...) }
func InvalidScopef(format string, args ...any) *Error   { return New(InvalidScope, format, args...) }
func InvalidMetadata(format string, args ...any) *Error {
	return New(InvalidClientMetadata, format, args...)
}
func InvalidRedirect(format string, args ...any) *Error {
	return New(InvalidRedirectURI, format, args...)
}
func InvalidTokenf(format string, args ...any) *Error { return New(InvalidToken, format, args...) }

// Body is the RFC 6749 §5.2 wire form.
type Body struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// Body returns the wire form of e.
func (e *Error) Body() Body { return Body{Error: e.Code, Description: e.Description} }
