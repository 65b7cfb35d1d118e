package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckNodes(t *testing.T) {
	const pg = "postgres://u@127.0.0.1:5432/db"
	for _, c := range []struct {
		nodes int
		db    string
		want  string // part of the error, "" for none
	}{
		{1, "", ""},
		{1, "sqlite:/tmp/r.db", ""},
		{1, pg, ""},
		{2, pg, ""},
		{3, "postgresql://u@h/db", ""},
		{0, pg, "at least 1"},
		{-2, "", "at least 1"},
		{2, "", "needs a PostgreSQL store (--db postgres://…): nodes share one database"},
		{2, "sqlite:/tmp/r.db", "needs a PostgreSQL store"},
	} {
		err := checkNodes(Options{Nodes: c.nodes, DB: c.db})
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("--nodes %d --db %q: %v, want %q", c.nodes, c.db, err, c.want)
		}
	}
}

// TestSpreadKeepsEachConnectionOnOneNode: the workers' connections go
// round-robin to the nodes, every request of a worker to its node, and
// the requests keep the first node's host, the base URL nodes share.
func TestSpreadKeepsEachConnectionOnOneNode(t *testing.T) {
	var mu sync.Mutex
	hosts := map[string]bool{}
	node := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hosts[r.Host] = true
			mu.Unlock()
			io.WriteString(w, name)
		}))
	}
	a, b := node("a"), node("b")
	defer a.Close()
	defer b.Close()
	nodes := []*target{{base: a.URL}, {base: b.URL}}
	var seen [4]map[string]int
	step := func(worker int) (Step, error) {
		seen[worker] = map[string]int{}
		return func(ctx context.Context, c *http.Client) error {
			out, err := send(ctx, c, http.MethodGet, a.URL+"/x", "", "", "", 200)
			seen[worker][string(out)]++
			return err
		}, nil
	}
	r, err := runWith(context.Background(), "spread", 4, 0, 100*time.Millisecond, step, hooks{routeOf: spread(nodes)})
	if err != nil || r.Errors != 0 || r.Requests == 0 {
		t.Fatalf("%+v %v", r, err)
	}
	for worker, got := range seen {
		want := []string{"a", "b"}[worker%2]
		if len(got) != 1 || got[want] == 0 {
			t.Errorf("worker %d reached %v, want node %s only", worker, got, want)
		}
	}
	if front := strings.TrimPrefix(a.URL, "http://"); len(hosts) != 1 || !hosts[front] {
		t.Errorf("Host headers %v, want only the first node's %s", hosts, front)
	}
}

// TestStoreActivityCountsRequests: /metrics' HTTP counters are summed
// over every route and code, whose labels hold spaces.
func TestStoreActivityCountsRequests(t *testing.T) {
	metrics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `# HELP registrar_http_requests_total HTTP requests.
registrar_http_requests_total{code="200",route="POST /{workspace}/oauth2/token"} 120
registrar_http_requests_total{code="401",route="POST /{workspace}/oauth2/introspect"} 3
registrar_http_request_duration_seconds_count{route="POST /{workspace}/oauth2/token"} 999
registrar_http_request_duration_seconds_bucket{route="POST /{workspace}/oauth2/token",le="0.02"} 990
registrar_http_request_duration_seconds_bucket{route="POST /{workspace}/oauth2/token",le="+Inf"} 999
registrar_store_statements_total{kind="read"} 7
registrar_store_commits_total 2
`)
	}))
	defer metrics.Close()
	got := (&target{metrics: metrics.URL}).storeActivity()
	want := activity{reads: 7, commits: 2, requests: 123, latency: latencyCounts{0.02: 990, math.Inf(1): 999}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("activity %+v, want %+v", got, want)
	}
}

// TestScalingSumsAndRatios: the per-node counts are each node's own, the
// costs are summed over the nodes, and the ratios are all over one.
func TestScalingSumsAndRatios(t *testing.T) {
	before := []activity{{reads: 10, requests: 100, cpu: time.Second}, {reads: 5, requests: 50}, {requests: 7}}
	after := []activity{{reads: 30, requests: 400, cpu: 3 * time.Second}, {reads: 25, requests: 250, cpu: time.Second}, {requests: 9}}
	served, cpu := byNode(before, after, 2)
	if len(served) != 2 || served[0] != 300 || served[1] != 200 || len(cpu) != 2 || cpu[0] != 2*time.Second || cpu[1] != time.Second {
		t.Errorf("by node: served %v, CPU %v; want [300 200], [2s 1s]", served, cpu)
	}
	if got := sum(after).minus(sum(before)); !reflect.DeepEqual(got, activity{reads: 40, requests: 502, cpu: 3 * time.Second, latency: latencyCounts{}}) {
		t.Errorf("summed activity %+v", got)
	}
	one := Result{Name: "cc-opaque", PerSecond: 1000, P99: 10 * time.Millisecond, ServerCPU: 100 * time.Microsecond, Writes: 1, Commits: 0.1}
	all := Result{Name: "cc-opaque", PerSecond: 1500, P99: 20 * time.Millisecond, ServerCPU: 110 * time.Microsecond, Reads: 0.5, Writes: 1, Commits: 0.2}
	s := scalingOf(2, one, all)
	want := ScalingRatio{PerSecond: 1.5, P99: 2, ServerCPU: 1.1, Statements: 1.5, Commits: 2}
	if s.Workload != "cc-opaque" || s.Nodes != 2 || s.Ratio != want {
		t.Errorf("scaling %+v, want ratio %+v", s, want)
	}
	// cc-jwt: no statement of its own, only each node's background reads.
	background := scalingOf(2, Result{Reads: 0.01, Commits: 0.001}, Result{Reads: 0.002, Commits: 0.004})
	if background.Ratio.Statements != 0 || background.Ratio.Commits != 0 {
		t.Errorf("a ratio of background statements: %+v", background.Ratio)
	}
}

// TestWarmupEndsAfterTheStepsAreMade: the servers' counters are read when
// the warmup ends counted from the start of the load, not while workers
// still set up (a code-flow worker signs in first: argon2id, not part of
// a flow's cost).
func TestWarmupEndsAfterTheStepsAreMade(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var made, calls atomic.Int32
	var madeAtWarmup int32
	step := func(worker int) (Step, error) {
		time.Sleep(20 * time.Millisecond) // a sign-in
		made.Add(1)
		return func(ctx context.Context, c *http.Client) error {
			_, err := send(ctx, c, http.MethodGet, srv.URL, "", "", "", 200)
			return err
		}, nil
	}
	warmedUp := func() { madeAtWarmup = made.Load(); calls.Add(1) }
	if _, err := runWith(context.Background(), "setup", 4, 0, 50*time.Millisecond, step, hooks{warmedUp: warmedUp}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || madeAtWarmup != 4 {
		t.Errorf("warmup ended %d times, with %d of 4 steps made", calls.Load(), madeAtWarmup)
	}
}
