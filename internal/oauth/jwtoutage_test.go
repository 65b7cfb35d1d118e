package oauth

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// keysDown stands for a key ring whose database does not answer and that
// has no keys cached yet: every verification fails with the store's error.
type keysDown struct{ Signer }

func (keysDown) Verify(context.Context, string, string, string) ([]byte, error) {
	return nil, fmt.Errorf("loading keys: %w", store.ErrUnavailable)
}

// A JWT that cannot be checked because the keys cannot be read is an
// outage (503 upstream), not an unknown token (which would read as 401
// invalid_token at userinfo and registration, or inactive at introspection).
func TestJWTCheckedWhileKeysUnreadableIsAnOutage(t *testing.T) {
	s := &Service{Keys: keysDown{}}
	_, err := s.lookupToken(context.Background(), workspace.Workspace{Name: "default"}, "eyJh.eyJi.sig")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("lookup with the key store down: %v; want store.ErrUnavailable", err)
	}
}
