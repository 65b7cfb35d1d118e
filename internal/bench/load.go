// Package bench measures a running Registrar over HTTP on loopback and
// prints figures. It never asserts speed: the machine is shared and
// noisy, so figures are printed beside in-process ceilings measured in the
// same run, and read as ratios.
package bench

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"
)

// Step performs one request with c and reports an error for anything but
// the expected answer (a benchmark of error responses is worthless).
type Step func(ctx context.Context, c *http.Client) error

// Result is one workload's figures.
type Result struct {
	Name        string        `json:"name"`
	Connections int           `json:"connections"`
	Duration    time.Duration `json:"duration_ns"`
	Requests    int64         `json:"requests"`
	Errors      int64         `json:"errors"`
	PerSecond   float64       `json:"requests_per_second"`
	P50         time.Duration `json:"p50_ns"`
	P90         time.Duration `json:"p90_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	FirstError  string        `json:"first_error,omitempty"`
	// ServerCPU is the server's CPU time per measured request (0 for the
	// in-process ceilings): a cost the machine's noise barely moves,
	// unlike a rate.
	ServerCPU time.Duration `json:"server_cpu_per_request_ns,omitempty"`
	// Reads, Writes and Commits are the server's database statements and
	// commits per measured request.
	Reads   float64 `json:"reads_per_request"`
	Writes  float64 `json:"writes_per_request"`
	Commits float64 `json:"commits_per_request"`
	// ServerP99 is the 99th percentile of the time the server itself
	// took (its latency histogram, interpolated within a bucket): beside
	// P99 it says how much of the tail is the load generator's waiting
	// for a core. ServerWithin20ms is the share it answered within 20 ms.
	ServerP99        time.Duration `json:"server_p99_ns,omitempty"`
	ServerWithin20ms float64       `json:"server_within_20ms,omitempty"`
	// serverLatency is the server's histogram over the measured part, for
	// the share within each target's own bound.
	serverLatency latencyCounts
	// ServedByNode is how many requests each node answered in the
	// measured part, from its own /metrics, when several run.
	ServedByNode []float64 `json:"served_by_node,omitempty"`
	// CPUByNode is each node's CPU time over the measured part.
	CPUByNode []time.Duration `json:"server_cpu_by_node_ns,omitempty"`
}

// histogram counts latencies in log-scale buckets (about 2% wide), so
// memory stays fixed however many requests run.
type histogram struct {
	counts [1200]int64
	max    time.Duration
	n      int64
}

const bucketsPerDoubling = 36

func bucketOf(d time.Duration) int {
	if d < time.Microsecond {
		return 0
	}
	b := int(math.Log2(float64(d)/float64(time.Microsecond)) * bucketsPerDoubling)
	return min(b, len(histogram{}.counts)-1)
}

func bucketValue(b int) time.Duration {
	return time.Duration(float64(time.Microsecond) * math.Pow(2, float64(b)/bucketsPerDoubling))
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which q of the requests fell.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(bucketValue(i+1), h.max)
		}
	}
	return h.max
}

// Run drives conns closed loops for warmup (not measured) then dur. Each
// loop gets its step from newStep and its own keep-alive connection.
func Run(ctx context.Context, name string, conns int, warmup, dur time.Duration, newStep func(worker int) (Step, error)) (Result, error) {
	return runWith(ctx, name, conns, warmup, dur, newStep, hooks{})
}

// hooks are what runWith adds to Run.
type hooks struct {
	// routeOf says where each worker's connection goes (nil: to the
	// host of each request's URL).
	routeOf func(worker int) route
	// warmedUp is called when the warmup ends, counted from the start of
	// the load: the steps are made first, and some take time (the
	// code-flow workers sign in). When the run ends before, it is not
	// called; it has returned when runWith does.
	warmedUp func()
}

// runWith is Run with hooks.
func runWith(ctx context.Context, name string, conns int, warmup, dur time.Duration, newStep func(worker int) (Step, error), h hooks) (Result, error) {
	steps := make([]Step, conns)
	for i := range steps {
		s, err := newStep(i)
		if err != nil {
			return Result{}, err
		}
		steps[i] = s
	}
	start := time.Now()
	if h.warmedUp != nil {
		done := make(chan struct{})
		timer := time.AfterFunc(warmup, func() { defer close(done); h.warmedUp() })
		defer func() {
			if !timer.Stop() {
				<-done
			}
		}()
	}
	measureFrom, stop := start.Add(warmup), start.Add(warmup+dur)
	hists := make([]histogram, conns)
	errs := make([]int64, conns)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var via route
			if h.routeOf != nil {
				via = h.routeOf(i)
			}
			c := &http.Client{Transport: &connTransport{via: via}}
			defer c.CloseIdleConnections()
			for ctx.Err() == nil {
				t0 := time.Now()
				if t0.After(stop) {
					return
				}
				err := steps[i](ctx, c)
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					errs[i]++
					once.Do(func() { firstErr = err })
					continue
				}
				hists[i].add(time.Since(t0))
			}
		}(i)
	}
	wg.Wait()
	var all histogram
	var errCount int64
	for i := range hists {
		all.merge(&hists[i])
		errCount += errs[i]
	}
	r := Result{
		Name: name, Connections: conns, Duration: dur, Requests: all.n, Errors: errCount,
		PerSecond: float64(all.n) / dur.Seconds(),
		P50:       all.quantile(0.50), P90: all.quantile(0.90), P99: all.quantile(0.99), Max: all.max,
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	return r, ctx.Err()
}
