package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/registrar-dev/registrar/internal/user"
)

// Options are the bench's flags.
type Options struct {
	Connections int
	Duration    time.Duration
	Warmup      time.Duration
	Workloads   []string // empty: all
	Binary      string   // the registrar binary to start
	DB          string   // passed to the server; a temporary SQLite file when empty
	// Nodes is how many servers share the store (PostgreSQL only past
	// one): each workload then runs on one node, then on all.
	Nodes int
	JSON  bool
}

// Report is everything one run measured.
type Report struct {
	Ceilings   []Result `json:"ceilings"`
	Workloads  []Result `json:"workloads"`
	PeakRSSMiB float64  `json:"server_peak_rss_mib"`
	// PeakBeforeLoginMiB is the peak before the first workload that signs
	// users in (code-flow sets up its sessions with logins, then login):
	// argon2id verifications take 64 MiB each by design.
	PeakBeforeLoginMiB float64 `json:"server_peak_rss_before_logins_mib"`
	FinalRSSMiB        float64 `json:"server_rss_mib"`
	// StartToReady is how long a restart on the store the workloads
	// filled took to answer /readyz, and IdleRSSMiB the restarted
	// server's resident set after idleWait without requests.
	StartToReady time.Duration `json:"start_to_ready_ns"`
	IdleRSSMiB   float64       `json:"idle_rss_mib"`
	Store        string        `json:"store"`
	// Ratios compare signed workloads with their plain counterparts
	// measured in the same run.
	Ratios []Ratio `json:"ratios"`
	// Nodes is how many servers ran; past one, Scaling holds each
	// workload on one node and on all (Workloads are the one-node runs).
	Nodes   int       `json:"nodes"`
	Scaling []Scaling `json:"scaling,omitempty"`
}

// Ratio is one workload's rate over its plain counterpart's, and the
// least it is held to.
type Ratio struct {
	Workload    string  `json:"workload"`
	Counterpart string  `json:"counterpart"`
	Ratio       float64 `json:"ratio"`
	Target      float64 `json:"target"`
	// CPURatio is the counterpart's server CPU per request over the
	// workload's: the ratio a server with the machine to itself would see.
	CPURatio float64 `json:"cpu_ratio,omitempty"`
	// Bound is the best CPURatio the signature checks the workload adds
	// allow, however cheap the rest; BoundWhy says how it was found.
	Bound    float64 `json:"bound,omitempty"`
	BoundWhy string  `json:"bound_why,omitempty"`
}

// counterparts pairs each signed workload with the plain one it is held
// to: at least min of its rate.
var counterparts = []struct {
	signed, plain string
	min           float64
}{
	{"register-signed", "register", 0.5}, // initial access token, JSON body
	// a template and five CEL policies shape and judge each registration
	{"register-policies", "register", 0.8},
	{"cc-private-key-jwt", "cc-jwt", 0.5}, // client_secret_basic
	// tls_client_auth and client_secret_basic on one TLS listener
	{"cc-tls-client-auth", "cc-basic-tls", 0.5},
	// PS256 statement and body, the transport certificate's chain.
	{"register-obuk", "register-tls", 0.3},
}

func ratios(results []Result) []Ratio {
	by := map[string]Result{}
	for _, r := range results {
		by[r.Name] = r
	}
	var out []Ratio
	for _, c := range counterparts {
		signed, ok1 := by[c.signed]
		plain, ok2 := by[c.plain]
		if ok1 && ok2 && plain.PerSecond > 0 {
			out = append(out, Ratio{Workload: c.signed, Counterpart: c.plain, Ratio: signed.PerSecond / plain.PerSecond, Target: c.min})
		}
	}
	return out
}

// Main runs the ceilings and the workloads and writes the report to w.
func Main(ctx context.Context, o Options, w io.Writer) error {
	if err := checkNodes(o); err != nil {
		return err
	}
	// Before anything is measured: a database that refuses the schema
	// fails the run at once.
	db, dropSchema, err := ownSchema(ctx, o.DB)
	if err != nil {
		return err
	}
	defer dropSchema() // last: once every server has stopped
	rep := Report{Nodes: o.Nodes}
	bare, err := ceiling(ctx, "ceiling: bare net/http JSON", bareHandler(), o)
	if err != nil {
		return err
	}
	h, err := signingHandler()
	if err != nil {
		return err
	}
	signing, err := ceiling(ctx, "ceiling: net/http + one ES256 JWT", h, o)
	if err != nil {
		return err
	}
	rep.Ceilings = []Result{bare, signing}

	sg, err := newSigning()
	if err != nil {
		return err
	}
	signedWorkspace, err := sg.workspaceYAML()
	if err != nil {
		return err
	}
	ob, err := newOpenBanking()
	if err != nil {
		return err
	}
	obukWorkspace, err := ob.workspaceYAML()
	if err != nil {
		return err
	}
	t, err := newTarget(o.Binary, db, signedWorkspace)
	if err != nil {
		return err
	}
	defer t.stop()
	rep.Store = strings.SplitN(t.db, ":", 2)[0]
	f, err := prepare(t, sg, o.Warmup+o.Duration)
	if err != nil {
		return err
	}
	defer f.stopTLS()
	store, err := storeCeiling(ctx, t, o)
	if err != nil {
		return err
	}
	rep.Ceilings = append(rep.Ceilings, store)
	f.openBanking, f.tlsWorkspaces = ob, obukWorkspace
	more, err := startMoreNodes(t, o.Nodes-1)
	if err != nil {
		return err
	}
	defer terminateAll(more)
	nodes := append([]*target{t}, more...)
	for _, wl := range workloads {
		if len(o.Workloads) > 0 && !slices.Contains(o.Workloads, wl.name) {
			continue
		}
		if signsIn(wl.name) && rep.PeakBeforeLoginMiB == 0 {
			rep.PeakBeforeLoginMiB, _ = t.memory()
		}
		r, err := measure(ctx, nodes, nil, wl, f, o)
		if err != nil {
			return err
		}
		rep.Workloads = append(rep.Workloads, r)
		f.rates[wl.name] = r.PerSecond
		if len(more) == 0 || !spreads(wl.name) {
			continue
		}
		all, err := measure(ctx, nodes, spread(nodes), wl, f, o)
		if err != nil {
			return fmt.Errorf("on %d nodes: %w", len(nodes), err)
		}
		rep.Scaling = append(rep.Scaling, scalingOf(len(nodes), r, all))
		f.rates[wl.name] = max(r.PerSecond, all.PerSecond)
	}
	// The restart below measures one node starting alone.
	terminateAll(more)
	rep.Ratios = withCryptoFloor(ratios(rep.Workloads), rep.Workloads)
	rep.PeakRSSMiB, rep.FinalRSSMiB = t.memory()
	if rep.PeakBeforeLoginMiB == 0 {
		rep.PeakBeforeLoginMiB = rep.PeakRSSMiB
	}
	if rep.StartToReady, err = t.restart(); err != nil {
		return fmt.Errorf("restart on the existing store: %w", err)
	}
	time.Sleep(idleWait)
	_, rep.IdleRSSMiB = t.memory()
	if o.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	print(w, rep)
	printScaling(w, rep)
	return nil
}

// measure runs wl with runMeasuringCPU and refuses a run where every
// request failed.
func measure(ctx context.Context, nodes []*target, routeOf func(int) route, wl workload, f *fixture, o Options) (Result, error) {
	r, err := runMeasuringCPU(ctx, nodes, routeOf, wl, f, o)
	if err != nil {
		return r, fmt.Errorf("%s: %w", wl.name, err)
	}
	if r.Requests == 0 && r.Errors > 0 {
		return r, fmt.Errorf("%s: every request failed; first error: %s", wl.name, r.FirstError)
	}
	return r, nil
}

// runMeasuringCPU runs wl, each worker's connection going where routeOf
// says (nil: the first node), and notes the servers' CPU time per request
// over the measured part (from the end of the warmup to the end). Every
// server counts, the TLS one when it runs: one not under load uses next
// to nothing. With several nodes it notes how many requests each served.
func runMeasuringCPU(ctx context.Context, nodes []*target, routeOf func(int) route, wl workload, f *fixture, o Options) (Result, error) {
	// The TLS server starts with the first TLS workload's steps: ask
	// for it at each reading.
	servers := func() []*target {
		if f.tls != nil {
			return append(slices.Clip(nodes), f.tls.t)
		}
		return nodes
	}
	readings := func() []activity {
		var out []activity
		for _, s := range servers() {
			out = append(out, s.usage())
		}
		return out
	}
	// The step first: a signed workload signs its requests there, and
	// the warmup must not end before the load has begun.
	newStep := wl.newStep(f)
	var before []activity
	warmedUp := func() { before = readings() }
	r, err := runWith(ctx, wl.name, o.Connections, o.Warmup, o.Duration, newStep, hooks{routeOf: routeOf, warmedUp: warmedUp})
	if before == nil || err != nil || r.Requests == 0 { // not warmed up: nothing measured
		return r, err
	}
	after := readings()
	a, n := sum(after).minus(sum(before)), float64(r.Requests)
	r.ServerCPU = a.cpu / time.Duration(r.Requests)
	r.Reads, r.Writes, r.Commits = a.reads/n, a.writes/n, a.commits/n
	r.ServerP99, r.ServerWithin20ms = a.latency.quantile(0.99), a.latency.within(20*time.Millisecond)
	r.serverLatency = a.latency
	if len(nodes) > 1 {
		r.ServedByNode, r.CPUByNode = byNode(before, after, len(nodes))
	}
	return r, nil
}

func print(w io.Writer, rep Report) {
	bare, signing := rep.Ceilings[0].PerSecond, rep.Ceilings[1].PerSecond
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tconns\trequests\terrors\treq/s\tp50\tp99\tserver p99\tmax\t% bare\t% ES256\t% own ceiling\tserver CPU/req\treads/req\twrites/req\tcommits/req\t")
	for _, r := range append(append([]Result{}, rep.Ceilings...), rep.Workloads...) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%.0f%%\t%.0f%%\t%s\t%s\t%s\t\n", r.Name, r.Connections, r.Requests, r.Errors, r.PerSecond,
			round(r.P50), round(r.P99), serverP99(r), round(r.Max), 100*r.PerSecond/bare, 100*r.PerSecond/signing, ownCeiling(rep, r), cpuPerRequest(r.ServerCPU), roundTrips(r))
	}
	fmt.Fprintf(tw, "\n(own ceiling: ES256 for cc-jwt; the store insert for the workloads that must write; bare for the others;\n"+
		" server p99: per HTTP request (a code flow makes two), from the server's own latency histogram, interpolated\n"+
		" within its bucket; it leaves out the time a response waits for the load generator to be scheduled)\n")
	tw.Flush()
	fmt.Fprintf(w, "\nstore: %s; server peak RSS %.0f MiB before any sign-in, %.0f MiB overall (now %.0f MiB); logins use %s, at most %d at once\n",
		rep.Store, rep.PeakBeforeLoginMiB, rep.PeakRSSMiB, rep.FinalRSSMiB, user.DefaultParams, user.MaxConcurrentChecks)
	fmt.Fprintf(w, "restarted on that store: ready in %s, resident %.0f MiB after %s idle\n",
		round(rep.StartToReady), rep.IdleRSSMiB, idleWait)
	fmt.Fprintf(w, "\ntargets, set on a machine whose bare ceiling was %s/s measured with wrk;\n", thousands(referenceBare))
	fmt.Fprintf(w, "this run's bare ceiling is %s/s, so each rate is also shown scaled by %.2f:\n", thousands(bare), bare/referenceBare)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  target\tmeasured\tas set\tscaled here\t")
	for _, g := range goals(rep, bare, signing) {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", g.what, g.measured, mark(g.met), mark(g.metScaled))
	}
	tw.Flush()
	for _, r := range rep.Ratios {
		if r.Bound > 0 {
			fmt.Fprintf(w, "  * %s's CPU ratio can be at most %.0f%%: %s\n", r.Workload, 100*r.Bound, r.BoundWhy)
		}
	}
}

// referenceBare is the bare ceiling (req/s) of the machine the targets
// were set on. Targets are read as ratios, so that a figure holds on a
// noisy machine: scaling by the ratio of the two bare ceilings does that.
const referenceBare = 75000

func mark(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

type goal struct {
	what, measured string
	met, metScaled bool
}

// rateGoal is a throughput floor and a p99 ceiling for one workload.
type rateGoal struct {
	workload string
	perSec   float64
	p99      time.Duration
}

var rateGoals = []rateGoal{
	{workload: "cc-jwt", perSec: 15000, p99: 20 * time.Millisecond},
	{workload: "cc-opaque", perSec: 6000, p99: 20 * time.Millisecond},
	{workload: "introspect", perSec: 15000, p99: 20 * time.Millisecond},
	{workload: "introspect-opaque", perSec: 15000, p99: 20 * time.Millisecond},
	{workload: "register", perSec: 5000, p99: 30 * time.Millisecond},
	{workload: "code-flow", perSec: 1000, p99: 50 * time.Millisecond},
}

func goals(rep Report, bare, signing float64) []goal {
	by := map[string]Result{}
	for _, r := range rep.Workloads {
		by[r.Name] = r
	}
	scale := bare / referenceBare
	var out []goal
	for _, g := range rateGoals {
		r, found := by[g.workload]
		if !found {
			continue
		}
		what := fmt.Sprintf("%s ≥ %s/s, p99 < %s", g.workload, thousands(g.perSec), g.p99)
		extraOK := true
		if g.workload == "cc-jwt" { // and half of what signing alone allows
			what += ", ≥ 50% of the ES256 ceiling"
			extraOK = r.PerSecond >= signing/2
		}
		fastEnough := r.P99 < g.p99 && extraOK
		out = append(out, goal{
			what:      what,
			measured:  fmt.Sprintf("%s/s, p99 %s%s", thousands(r.PerSecond), round(r.P99), serverTail(r, g.p99)),
			met:       fastEnough && r.PerSecond >= g.perSec,
			metScaled: fastEnough && r.PerSecond >= g.perSec*scale,
		})
	}
	out = append(out, ceilingTargets(rep)...)
	for _, r := range rep.Ratios {
		met := r.Ratio >= r.Target
		out = append(out, goal{what: fmt.Sprintf("%s ≥ %.0f%% of %s (same run)", r.Workload, 100*r.Target, r.Counterpart),
			measured: ratioMeasured(r), met: met, metScaled: met})
	}
	peakOK := rep.PeakBeforeLoginMiB > 0 && rep.PeakBeforeLoginMiB < 150
	out = append(out, goal{what: "server peak RSS < 150 MiB (before any sign-in)",
		measured: fmt.Sprintf("%.0f MiB", rep.PeakBeforeLoginMiB), met: peakOK, metScaled: peakOK})
	return append(out, restartGoals(rep)...)
}

// ratioMeasured prints a rate ratio with, when known, the CPU ratio
// beside it and the best the added signature checks allow.
func ratioMeasured(r Ratio) string {
	s := fmt.Sprintf("%.0f%%", 100*r.Ratio)
	if r.CPURatio > 0 {
		s += fmt.Sprintf(" (CPU %.0f%%", 100*r.CPURatio)
		if r.Bound > 0 {
			s += fmt.Sprintf(", at most %.0f%%*", 100*r.Bound)
		}
		s += ")"
	}
	return s
}

// idleWait is how long the restarted server is left alone before its
// idle resident set is read: past its start-up allocations.
const idleWait = 2 * time.Second

// restartGoals: a node restarting on an existing store is ready in under
// 200 ms and then sits in under 40 MiB. Neither scales with the machine's
// request rate, so both columns agree.
func restartGoals(rep Report) []goal {
	if rep.StartToReady == 0 {
		return nil
	}
	readyOK := rep.StartToReady < 200*time.Millisecond
	idleOK := rep.IdleRSSMiB > 0 && rep.IdleRSSMiB < 40
	return []goal{
		{what: "start to ready on an existing store < 200ms", measured: round(rep.StartToReady), met: readyOK, metScaled: readyOK},
		{what: "idle RSS < 40 MiB (restarted, no requests)", measured: fmt.Sprintf("%.0f MiB", rep.IdleRSSMiB), met: idleOK, metScaled: idleOK},
	}
}

// thousands prints n rounded, with a comma every three digits.
func thousands(n float64) string {
	s := strconv.FormatInt(int64(math.Round(n)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// signsIn reports whether a workload verifies passwords, whose argon2id
// memory cost is deliberate and outside the RSS target.
func signsIn(workload string) bool { return workload == "code-flow" || workload == "login" }

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// ownCeiling prints a workload's rate as a share of its ceiling's, or a
// dash for a ceiling.
func ownCeiling(rep Report, r Result) string {
	if ratio := ofCeiling(rep, r); ratio > 0 && r.ServerCPU != 0 {
		return fmt.Sprintf("%.0f%%", 100*ratio)
	}
	return "—"
}

// roundTrips prints a workload's statements and commits per request, or
// dashes for a ceiling (in process, no store).
func roundTrips(r Result) string {
	if r.ServerCPU == 0 {
		return "—\t—\t—"
	}
	return fmt.Sprintf("%.2f\t%.2f\t%.2f", r.Reads, r.Writes, r.Commits)
}

// serverP99 prints the server's own p99, or "—" for a ceiling.
func serverP99(r Result) string {
	if r.ServerP99 == 0 {
		return "—"
	}
	return round(r.ServerP99)
}

// serverTail adds the server's own p99 and the share of its requests
// answered within bound (one of the histogram's bounds) to a measured
// p99, when the server's histogram was read.
func serverTail(r Result, bound time.Duration) string {
	if r.ServerP99 == 0 {
		return ""
	}
	return fmt.Sprintf(" (server %s; %.1f%% ≤ %s)", round(r.ServerP99), 100*r.serverLatency.within(bound), bound)
}

// cpuPerRequest prints a server CPU cost, or "—" for a ceiling (measured
// in process, so the server's time is not its own).
func cpuPerRequest(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}
