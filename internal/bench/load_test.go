package bench

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.quantile(tc.q)
		if got < tc.want*96/100 || got > tc.want*104/100 {
			t.Errorf("q%.2f = %v, want about %v", tc.q, got, tc.want)
		}
	}
	if h.quantile(0.5) > h.quantile(0.99) {
		t.Error("quantiles not monotonic")
	}
}

func TestRunCountsRequestsAndErrors(t *testing.T) {
	var served atomic.Int64
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1); w.Write([]byte("{}")) }))
	defer ok.Close()
	step := func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			resp, err := c.Get(ok.URL)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return errors.New(resp.Status)
			}
			return nil
		}, nil
	}
	r, err := Run(context.Background(), "ok", 4, 50*time.Millisecond, 200*time.Millisecond, step)
	if err != nil || r.Requests == 0 || r.Errors != 0 || r.Requests > served.Load() {
		t.Fatalf("result %+v, served %d, err %v", r, served.Load(), err)
	}

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer bad.Close()
	failing := func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			resp, err := c.Get(bad.URL)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return errors.New(resp.Status)
			}
			return nil
		}, nil
	}
	r, _ = Run(context.Background(), "bad", 2, 0, 100*time.Millisecond, failing)
	if r.Errors == 0 || r.Requests != 0 || r.FirstError == "" {
		t.Fatalf("errors not counted: %+v", r)
	}
}

func TestGoalsScaleByTheBareCeiling(t *testing.T) {
	rep := Report{PeakBeforeLoginMiB: 40, Workloads: []Result{
		{Name: "cc-jwt", PerSecond: 8000, P99: 10 * time.Millisecond},
		{Name: "register", PerSecond: 2000, P99: 40 * time.Millisecond},
	}}
	got := goals(rep, referenceBare/2, 14000)
	if len(got) != 3 {
		t.Fatalf("goals = %+v", got)
	}
	if jwt := got[0]; jwt.met || !jwt.metScaled {
		t.Errorf("cc-jwt at 8,000/s with half the reference ceiling: met %v, scaled %v; want false, true", jwt.met, jwt.metScaled)
	}
	if reg := got[1]; reg.met || reg.metScaled {
		t.Errorf("register with p99 40 ms must miss its 30 ms bound however the rate scales: %+v", reg)
	}
	if slow := goals(rep, referenceBare/2, 20000)[0]; slow.metScaled {
		t.Error("cc-jwt below half the ES256 ceiling was counted as met")
	}
	if s := thousands(1234567.4); s != "1,234,567" {
		t.Errorf("thousands = %q", s)
	}
}

// TestMeasuringBeginsOnceEveryStepIsReady: code-flow's steps sign in
// (argon2id) when they are made, work that must not fall in the measured
// part's CPU and store counters.
func TestMeasuringBeginsOnceEveryStepIsReady(t *testing.T) {
	const conns = 3
	var made atomic.Int64
	newStep := func(int) (Step, error) {
		time.Sleep(20 * time.Millisecond) // a sign-in's worth of work
		made.Add(1)
		return func(context.Context, *http.Client) error { return nil }, nil
	}
	madeWhenMeasuring := int64(-1)
	var measured atomic.Bool
	_, err := runThen(context.Background(), "signed-in", conns, 0, 20*time.Millisecond, newStep, func() {
		madeWhenMeasuring = made.Load()
		measured.Store(true)
	})
	if err != nil || !measured.Load() || madeWhenMeasuring != conns {
		t.Fatalf("err %v, measuring began with %d of %d steps made", err, madeWhenMeasuring, conns)
	}
}
