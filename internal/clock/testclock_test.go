//go:build testclock

package clock

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTestClockFollowsItsFile(t *testing.T) {
	saved := offsetFile
	offsetFile = filepath.Join(t.TempDir(), "clock")
	t.Cleanup(func() { offsetFile = saved })
	if got := Now(); time.Since(got).Abs() > time.Second {
		t.Fatalf("with no file, Now() = %v; want the system's time", got)
	}
	if err := os.WriteFile(offsetFile, []byte("1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ahead := (Source{}).Time().Sub(time.Now()); ahead < 59*time.Minute || ahead > 61*time.Minute {
		t.Fatalf("with 1h in the file, the zero Source is %v ahead; want an hour", ahead)
	}
	if err := os.WriteFile(offsetFile, []byte("soon"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an unreadable offset did not panic")
		}
	}()
	Now()
}
