// Package fault names kinds of failure that cross layers which must not
// import each other. A lower layer's sentinel wraps a kind (the store's
// ErrUnavailable wraps fault.ErrUnavailable), and the HTTP layer decides the answer
// from the kind alone (errors.Is), without knowing where it came from.
//
// A leaf package: it imports only the standard library.
package fault

import "errors"

// ErrUnavailable: a dependency (the database) cannot be reached right now;
// the request may succeed if retried, so it is answered 503 with
// Retry-After, not 500.
var ErrUnavailable = errors.New("unavailable")
