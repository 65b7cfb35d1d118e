package interact

import (
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
