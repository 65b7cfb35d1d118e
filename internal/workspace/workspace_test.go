package workspace

import (
	"testing"
	"time"
)

// Settings stored before jwks_max_age existed decode with 0; they must
// keep the 60 s the JWKS was always served with, not a max-age of 0.
func TestJWKSCacheTTL(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want time.Duration
	}{
		{DefaultSettings(), time.Minute},
		{Settings{}, time.Minute},
		{Settings{JWKSMaxAge: 5}, 5 * time.Second},
	} {
		if got := tc.s.JWKSCacheTTL(); got != tc.want {
			t.Errorf("JWKSMaxAge %d: JWKSCacheTTL() = %v, want %v", tc.s.JWKSMaxAge, got, tc.want)
		}
	}
}
