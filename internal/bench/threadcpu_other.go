//go:build !unix

package bench

import (
	"errors"
	"time"
)

// threadCPU needs a thread's own CPU clock, which the bench reads only on
// Unix; elsewhere the crypto floor is left out of the report.
func threadCPU(func() error) (time.Duration, error) {
	return 0, errors.New("no per-thread CPU clock on this system")
}
