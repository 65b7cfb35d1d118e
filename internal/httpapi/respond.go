// Package httpapi holds the HTTP plumbing every endpoint shares: writing
// JSON and protocol errors, strict request decoding, and middleware
// (request ids, logging, metrics, panic recovery). It knows HTTP, not OAuth.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/registrar-dev/registrar/internal/fault"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// WriteJSON writes v as JSON with no-store caching headers: most of our
// responses carry tokens or secrets (RFC 6749 §5.1), and a cache keeping
// one would be a leak, so no-store is the default.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Our own types always marshal; reaching here is a programming error.
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(body)
}

// WritePublicJSON writes a document that holds no secret (discovery, JWKS)
// and may be cached for maxAge seconds.
func WritePublicJSON(w http.ResponseWriter, body []byte, maxAge int) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(maxAge))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// WriteError is the only place errors are written as JSON. A protocol
// error renders as its RFC JSON; see ErrorResponse for the rest.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	oe := ErrorResponse(w, r, err)
	if oe == nil {
		return
	}
	// RFC 6750 §3: a bearer challenge goes with a 401, and with the 403
	// of insufficient_scope too.
	if (oe.Status == http.StatusUnauthorized || oe.Status == http.StatusForbidden) && oe.Challenge != "" {
		w.Header().Set("WWW-Authenticate", oe.Challenge)
	}
	WriteJSON(w, oe.Status, oe.Body())
}

// ErrorResponse decides how err is answered, for JSON (WriteError) and
// HTML pages alike, and logs it: a protocol error as itself; an outage
// (fault.ErrUnavailable, which the store's sentinel wraps) as 503 with
// Retry-After, so clients retry; anything else is our fault,
// 500 with a generic description, the cause only logged. It returns nil
// when the client has gone: nothing is worth writing then, and the status
// is recorded as 499.
func ErrorResponse(w http.ResponseWriter, r *http.Request, err error) *oautherr.Error {
	var pe *oautherr.Error
	if bodyLate(r) && (errors.Is(err, context.Canceled) || errors.As(err, &pe)) {
		// It failed for want of the body (net/http cancels the request's
		// context then), not because the client left; a 499 would be a
		// non-standard status on the wire. Any other failure is still
		// ours and classified below.
		oe := oautherr.InvalidRequestf("the request body did not arrive in time").WithStatus(http.StatusRequestTimeout).WithCause(err)
		logError(r, oe)
		return oe
	}
	if clientLeft(r, err) {
		// Neither our failure nor worth an error line; 499 (nginx's
		// "client closed request") keeps it apart in the metrics.
		Logger(r.Context()).Info("client closed the request", "cause", err.Error())
		w.WriteHeader(StatusClientClosedRequest)
		return nil
	}
	var oe *oautherr.Error
	switch {
	case errors.As(err, &oe):
	case errors.Is(err, fault.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		// A database that answers nothing within the request's budget
		// (Deadline) is as unavailable as one that refuses.
		oe = oautherr.New(oautherr.TemporarilyUnavailable, "the service is temporarily unavailable, retry later").WithCause(err)
		w.Header().Set("Retry-After", "1")
	default:
		oe = oautherr.New(oautherr.ServerError, "internal error").WithCause(err)
	}
	logError(r, oe)
	return oe
}

// StatusClientClosedRequest is recorded when the client hung up before
// its answer was ready.
const StatusClientClosedRequest = 499

// clientLeft: err came from the request's own context, cancelled because
// the client went away (not because its budget ran out).
func clientLeft(r *http.Request, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled)
}

// logError logs client mistakes at Info and our failures at Error. The
// description and cause never hold secrets (constructors never format them).
func logError(r *http.Request, oe *oautherr.Error) {
	log := Logger(r.Context())
	attrs := []any{"error", oe.Code, "status", oe.Status, "path", r.URL.Path}
	if id := requestClientID(r); id != "" {
		attrs = append(attrs, "client_id", id)
	}
	if oe.Err != nil {
		attrs = append(attrs, "cause", oe.Err.Error())
	}
	level := slog.LevelInfo
	switch {
	case oe.Status == http.StatusServiceUnavailable:
		// An outage answers every request so; /readyz and the metrics
		// tell it, and an error line per request would bury the rest.
		level = slog.LevelWarn
	case oe.Status >= 500:
		level = slog.LevelError
	}
	log.Log(r.Context(), level, oe.Description, attrs...)
}

// MethodNotAllowed answers a known path asked with a method it does not
// take: 405 with Allow, in the JSON error format (the mux's own 405 is
// plain text, and a catch-all route would otherwise answer 404).
func MethodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		WriteError(w, r, oautherr.InvalidRequestf("method not allowed; use %s", allow).WithStatus(http.StatusMethodNotAllowed))
	}
}
