package oauth

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// failingKeys stands for a key ring whose every verification fails with err.
type failingKeys struct {
	Signer
	err error
}

func (k failingKeys) Verify(context.Context, string, string, string) ([]byte, error) {
	return nil, k.err
}

// Only a token that fails verification is an unknown token (inactive, or
// 401 invalid_token at userinfo and registration). Keys that cannot be read
// (a database outage on a node with none cached, a key that will not
// decrypt) are our failure and must say so: 503 or 500.
func TestOnlyABadSignatureIsAnUnknownToken(t *testing.T) {
	sealed := errors.New("private key will not decrypt")
	for _, tc := range []struct {
		verify error
		want   error
	}{
		{fmt.Errorf("%w: unknown kid", jose.ErrInvalidSignature), errUnknownToken},
		{fmt.Errorf("loading keys: %w", store.ErrUnavailable), store.ErrUnavailable},
		{sealed, sealed},
	} {
		s := &Service{Keys: failingKeys{err: tc.verify}}
		_, err := s.lookupToken(context.Background(), workspace.Workspace{Name: "default"}, "eyJh.eyJi.sig")
		if !errors.Is(err, tc.want) {
			t.Errorf("Verify failing with %v: lookup says %v; want %v", tc.verify, err, tc.want)
		}
	}
}
