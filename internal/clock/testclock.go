//go:build testclock

package clock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// clockFileEnv names the file holding how far (a Go duration, "90s")
// a testclock binary's time is ahead of the system's. It is read at every
// call, so an end-to-end test moves the time of a running server, and of
// the CLI run on its store, by rewriting the file (atomically, by rename)
// instead of sleeping through lifetimes. No file is no shift. Only a
// binary built with -tags testclock has any of this.
const clockFileEnv = "REGISTRAR_TEST_CLOCK_FILE"

var offsetFile = os.Getenv(clockFileEnv)

func systemNow() time.Time {
	now := time.Now()
	if offsetFile == "" {
		return now
	}
	offset, err := readOffset(offsetFile)
	if err != nil {
		// A test clock that cannot be read would silently run tests on
		// the real time.
		panic(fmt.Sprintf("%s: %v", clockFileEnv, err))
	}
	return now.Add(offset)
}

func readOffset(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return time.ParseDuration(strings.TrimSpace(string(b)))
}
