package store

import (
	"errors"
	"testing"

	"github.com/registrar-dev/registrar/internal/fault"
)

// TestErrUnavailableIsAnOutage: the HTTP layer answers 503 only for what
// wraps fault.ErrUnavailable, so the store's sentinel must.
func TestErrUnavailableIsAnOutage(t *testing.T) {
	if !errors.Is(ErrUnavailable, fault.ErrUnavailable) || ErrUnavailable.Error() != "store unavailable" {
		t.Fatalf("ErrUnavailable = %q, does not wrap fault.ErrUnavailable", ErrUnavailable)
	}
	for _, err := range []error{ErrNotFound, ErrConflict} {
		if errors.Is(err, fault.ErrUnavailable) {
			t.Errorf("%v wraps fault.ErrUnavailable", err)
		}
	}
}
