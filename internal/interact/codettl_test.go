package interact

import (
	"github.com/registrar-dev/registrar/internal/client"
	"testing"
	"time"
)

// FAPI 2.0 §5.3.2.1-12 caps an authorization code's life at 60 seconds;
// every workspace's codes live that long, so a fapi2 one needs no setting.
func TestCodesLiveAtMostAMinute(t *testing.T) {
	if codeTTL <= 0 || codeTTL > time.Minute {
		t.Fatalf("codeTTL = %v; want at most a minute", codeTTL)
	}
}

// A client's authorization_code_lifetime shortens its codes' life, never
// lengthens it past codeTTL (validation refuses more; a stored client
// from before would still get no more).
func TestCodeLifetimeIsTheClientsWithinCodeTTL(t *testing.T) {
	for registered, want := range map[int64]time.Duration{0: codeTTL, 10: 10 * time.Second, 60: codeTTL, 600: codeTTL} {
		cl := client.Client{Metadata: client.Metadata{AuthorizationCodeLifetime: registered}}
		if got := codeLifetime(cl); got != want {
			t.Errorf("authorization_code_lifetime %d: codes live %v, want %v", registered, got, want)
		}
	}
}
