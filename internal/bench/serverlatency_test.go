package bench

import (
	"math"
	"testing"
	"time"
)

func TestServerLatencyQuantile(t *testing.T) {
	c := latencyCounts{}
	for _, line := range [][2]string{
		{`registrar_http_request_duration_seconds_bucket{route="POST /{ws}/oauth2/token",le="0.01"}`, "90"},
		{`registrar_http_request_duration_seconds_bucket{route="POST /{ws}/oauth2/token",le="0.02"}`, "98"},
		{`registrar_http_request_duration_seconds_bucket{route="POST /{ws}/oauth2/token",le="0.03"}`, "100"},
		{`registrar_http_request_duration_seconds_bucket{route="POST /{ws}/oauth2/token",le="+Inf"}`, "100"},
		{`registrar_http_request_duration_seconds_bucket{route="GET /readyz",le="0.01"}`, "100"},
		{`registrar_http_request_duration_seconds_bucket{route="GET /readyz",le="0.02"}`, "100"},
		{`registrar_http_request_duration_seconds_bucket{route="GET /readyz",le="0.03"}`, "100"},
		{`registrar_http_request_duration_seconds_bucket{route="GET /readyz",le="+Inf"}`, "100"},
		{`registrar_http_request_duration_seconds_count{route="GET /readyz"}`, "100"},
		{`registrar_store_commits_total`, "7"},
	} {
		c.addLatencyLine(line[0], line[1])
	}
	before := latencyCounts{0.01: 100, 0.02: 100, 0.03: 100, math.Inf(1): 100} // the probes, earlier
	d := c.minus(before)
	if got := d.within(20 * time.Millisecond); math.Abs(got-0.98) > 1e-9 {
		t.Errorf("within 20ms: %v; want 0.98", got)
	}
	// 99th of 100 lies halfway through the 20-30 ms bucket.
	if got := d.quantile(0.99); got != 25*time.Millisecond {
		t.Errorf("p99 %v; want 25ms", got)
	}
	if got := d.quantile(0.5); got != 5555555*time.Nanosecond {
		t.Errorf("p50 %v; want 5.555555ms", got)
	}
	if got := (latencyCounts{}).quantile(0.99); got != 0 {
		t.Errorf("p99 of nothing %v", got)
	}
	past := latencyCounts{0.01: 1, math.Inf(1): 10}
	if got := past.quantile(0.99); got != 10*time.Millisecond {
		t.Errorf("p99 past the last bound %v; want the last bound", got)
	}
	if got := d.plus(d).within(20 * time.Millisecond); math.Abs(got-0.98) > 1e-9 {
		t.Errorf("summed nodes within 20ms: %v", got)
	}
}
