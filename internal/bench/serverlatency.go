package bench

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// latencyMetric is the server's own request latency histogram. The bench
// reads it beside its own clock: on a machine where the load generator
// shares the cores with the server, a client-side p99 also counts the time
// a response waits for the generator to be scheduled, and the server's
// histogram says how much of the tail is the server's.
const latencyMetric = "registrar_http_request_duration_seconds_bucket"

// latencyCounts are a latency histogram's cumulative counts by upper
// bound (seconds; +Inf included), summed over routes.
type latencyCounts map[float64]float64

// addLatencyLine adds one exposition line to c when it is a bucket of the
// server's latency histogram.
func (c latencyCounts) addLatencyLine(name, value string) {
	if !strings.HasPrefix(name, latencyMetric+"{") {
		return
	}
	_, le, ok := strings.Cut(name, `le="`)
	if !ok {
		return
	}
	le, _, _ = strings.Cut(le, `"`)
	bound, err1 := strconv.ParseFloat(le, 64)
	n, err2 := strconv.ParseFloat(value, 64)
	if err1 == nil && err2 == nil {
		c[bound] += n
	}
}

func (c latencyCounts) minus(b latencyCounts) latencyCounts {
	out := latencyCounts{}
	for le, n := range c {
		out[le] = n - b[le]
	}
	return out
}

func (c latencyCounts) plus(b latencyCounts) latencyCounts {
	out := latencyCounts{}
	for le, n := range c {
		out[le] = n
	}
	for le, n := range b {
		out[le] += n
	}
	return out
}

// quantile estimates the q-quantile the way PromQL's histogram_quantile
// does: linearly within the bucket that holds it. It is 0 when nothing
// was counted, and the largest finite bound when the quantile lies past
// it.
func (c latencyCounts) quantile(q float64) time.Duration {
	bounds := make([]float64, 0, len(c))
	for le := range c {
		bounds = append(bounds, le)
	}
	sort.Float64s(bounds)
	total := c[math.Inf(1)]
	if total <= 0 || len(bounds) < 2 {
		return 0
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for _, le := range bounds {
		n := c[le]
		if n >= rank {
			if math.IsInf(le, 1) {
				return seconds(lower)
			}
			return seconds(lower + (le-lower)*(rank-below)/(n-below))
		}
		lower, below = le, n
	}
	return seconds(lower)
}

// within is the share of requests that took at most bound (one of the
// histogram's bounds).
func (c latencyCounts) within(bound time.Duration) float64 {
	total := c[math.Inf(1)]
	if total <= 0 {
		return 0
	}
	return c[bound.Seconds()] / total
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
