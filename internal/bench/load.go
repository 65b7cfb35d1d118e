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
	return runThen(ctx, name, conns, warmup, dur, newStep, func() {})
}

// runThen is Run calling measuring when the warmup ends. The warmup is
// counted from when every step is ready: code-flow's steps sign in first
// (argon2id), work that must count neither as warmup nor as measured.
func runThen(ctx context.Context, name string, conns int, warmup, dur time.Duration, newStep func(worker int) (Step, error), measuring func()) (Result, error) {
	steps := make([]Step, conns)
	for i := range steps {
		s, err := newStep(i)
		if err != nil {
			return Result{}, err
		}
		steps[i] = s
	}
	start := time.Now()
	measureFrom, stop := start.Add(warmup), start.Add(warmup+dur)
	warmedUp := time.AfterFunc(warmup, measuring)
	defer warmedUp.Stop()
	hists := make([]histogram, conns)
	errs := make([]int64, conns)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := &http.Client{Transport: &connTransport{}}
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
