package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/registrar-dev/registrar/internal/fault"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// TestWriteErrorStatus: a protocol error keeps its status, an outage is
// 503 with Retry-After so clients retry, anything else is a 500.
func TestWriteErrorStatus(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		status     int
		retryAfter bool
	}{
		{"protocol error", oautherr.InvalidRequestf("bad"), http.StatusBadRequest, false},
		{"outage, wrapped", fmt.Errorf("client c: %w", fmt.Errorf("store %w", fault.ErrUnavailable)), http.StatusServiceUnavailable, true},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, true},
		{"anything else", errors.New("boom"), http.StatusInternalServerError, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), tc.err)
			if w.Code != tc.status || (w.Header().Get("Retry-After") != "") != tc.retryAfter {
				t.Fatalf("status %d, Retry-After %q; want %d, Retry-After set: %v", w.Code, w.Header().Get("Retry-After"), tc.status, tc.retryAfter)
			}
		})
	}
}
