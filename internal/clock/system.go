//go:build !testclock

package clock

import "time"

func systemNow() time.Time { return time.Now() }
