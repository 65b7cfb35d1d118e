package bench

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/registrar-dev/registrar/internal/store/backend"
)

// With --nodes N the bench starts N server processes on one PostgreSQL
// database, with one master key and one public base URL, as behind a load
// balancer, and runs each workload twice: every connection on the first
// node, then the connections spread over all nodes. The fixtures are made
// once, so a client registered through one node asks another for tokens,
// and a token one node issued is introspected on another.

// checkNodes refuses a node count the bench cannot run.
func checkNodes(o Options) error {
	if o.Nodes < 1 {
		return fmt.Errorf("--nodes must be at least 1, not %d", o.Nodes)
	}
	if o.Nodes > 1 && !backend.IsPostgres(o.DB) {
		return errors.New("--nodes needs a PostgreSQL store (--db postgres://…): nodes share one database")
	}
	return nil
}

// startMoreNodes starts n more servers beside first, on its store, its
// master key and its configuration, each on a loopback port of its own,
// all answering under first's base URL; it returns once each is ready.
func startMoreNodes(first *target, n int) ([]*target, error) {
	var more []*target
	for range n {
		node := &target{binary: first.binary, dir: first.dir, db: first.db, borrowsDir: true,
			moreEnv: []string{"REGISTRAR_BASE_URL=" + first.base}}
		if err := node.start(first.args...); err != nil {
			terminateAll(more)
			return nil, fmt.Errorf("node %d: %w", len(more)+2, err)
		}
		more = append(more, node)
	}
	return more, nil
}

// terminateAll ends the servers; their files are the first node's.
func terminateAll(nodes []*target) {
	for _, n := range nodes {
		n.terminate()
	}
}

// spread sends worker i's connection to node i mod len(nodes), as a load
// balancer that balances connections does: every request of a connection
// goes to one node, and the requests of one workload reach all of them.
// The URLs stay those of the first node, the base URL all nodes share.
func spread(nodes []*target) func(worker int) route {
	front := hostOf(nodes[0].base)
	return func(worker int) route {
		return route{front: front, node: hostOf(nodes[worker%len(nodes)].base)}
	}
}

// hostOf is the host:port of a base URL.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// spreads says whether a workload can be spread over the nodes: the TLS
// workloads load a TLS server of their own, a single node.
func spreads(workload string) bool {
	switch workload {
	case "cc-basic-tls", "cc-tls-client-auth", "register-tls", "register-obuk":
		return false
	}
	return true
}

// Scaling is one workload on one node and on all the nodes, measured in
// the same run.
type Scaling struct {
	Workload string `json:"workload"`
	Nodes    int    `json:"nodes"`
	OneNode  Result `json:"one_node"`
	AllNodes Result `json:"all_nodes"`
	// Ratio is the figures of all the nodes over those of one.
	Ratio ScalingRatio `json:"ratio"`
}

// ScalingRatio is all the nodes' figure over one node's for each figure:
// the aggregate rate, the latencies, and the costs per request summed
// over every process (CPU) and every node's /metrics (statements,
// commits). A cost ratio above 1 is what coordinating the nodes costs.
type ScalingRatio struct {
	PerSecond  float64 `json:"requests_per_second"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
	ServerCPU  float64 `json:"server_cpu_per_request"`
	Statements float64 `json:"statements_per_request"`
	Commits    float64 `json:"commits_per_request"`
}

func scalingOf(nodes int, one, all Result) Scaling {
	return Scaling{Workload: one.Name, Nodes: nodes, OneNode: one, AllNodes: all, Ratio: ScalingRatio{
		PerSecond:  ratio(all.PerSecond, one.PerSecond),
		P50:        ratio(float64(all.P50), float64(one.P50)),
		P99:        ratio(float64(all.P99), float64(one.P99)),
		ServerCPU:  ratio(float64(all.ServerCPU), float64(one.ServerCPU)),
		Statements: countRatio(all.Reads+all.Writes, one.Reads+one.Writes, 0.1),
		Commits:    countRatio(all.Commits, one.Commits, 0.005),
	}}
}

// countRatio is ratio for counts per request, 0 when one node's is under
// floor: that is each node's background (the client cache's change
// counter, the key refresh), not the workload's, whose statements are one
// a request or more and whose commits, shared by a group commit, a few
// in a hundred; a ratio of the background would read as the workload's.
func countRatio(all, one, floor float64) float64 {
	if one < floor {
		return 0
	}
	return ratio(all, one)
}

// ratio is a over b, 0 when b is.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// byNode is how many requests each of the first n servers answered, and
// how much CPU time each used, between two readings.
func byNode(before, after []activity, n int) (served []float64, cpu []time.Duration) {
	served, cpu = make([]float64, n), make([]time.Duration, n)
	for i := range n {
		d := after[i].minus(before[i])
		served[i], cpu[i] = d.requests, d.cpu
	}
	return served, cpu
}

func sum(as []activity) activity {
	var total activity
	for _, a := range as {
		total = total.plus(a)
	}
	return total
}

func printScaling(w io.Writer, rep Report) {
	if len(rep.Scaling) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d nodes on one PostgreSQL database, one master key, one base URL; each connection on one node, round-robin.\n", rep.Nodes)
	fmt.Fprintf(w, "Rows marked 1: every connection on node 1 (the others idle); rows marked %d: spread over all. CPU is summed over every\n", rep.Nodes)
	fmt.Fprintf(w, "process, statements and commits over every node's /metrics; \"served\" is each node's own count of HTTP requests\n")
	fmt.Fprintf(w, "(a code flow is two), and its CPU time over it. × = all / one.\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tnodes\trequests\terrors\treq/s\tp50\tp99\tserver CPU/req\treads/req\twrites/req\tcommits/req\tserved by node\tCPU/served by node\t")
	for _, s := range rep.Scaling {
		for _, r := range []struct {
			nodes int
			Result
		}{{1, s.OneNode}, {s.Nodes, s.AllNodes}} {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Workload, r.nodes, r.Requests, r.Errors, r.PerSecond,
				round(r.P50), round(r.P99), cpuPerRequest(r.ServerCPU), roundTrips(r.Result), served(r.ServedByNode), cpuPerServed(r.Result))
		}
		x := s.Ratio
		fmt.Fprintf(tw, "\t×\t\t\t%s\t%s\t%s\t%s\t\t%s\t%s\t\t\t\n", times(x.PerSecond), times(x.P50), times(x.P99), times(x.ServerCPU),
			times(x.Statements)+" (all)", times(x.Commits))
	}
	tw.Flush()
	fmt.Fprintf(w, "(the TLS workloads load a server of their own, one node: they are not spread)\n")
}

func times(x float64) string {
	if x == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", x)
}

func served(counts []float64) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%.0f", c)
	}
	return strings.Join(parts, " / ")
}

// cpuPerServed is each node's CPU time over the requests it served.
func cpuPerServed(r Result) string {
	parts := make([]string, len(r.CPUByNode))
	for i, cpu := range r.CPUByNode {
		parts[i] = "—"
		if i < len(r.ServedByNode) && r.ServedByNode[i] > 0 {
			parts[i] = fmt.Sprintf("%dµs", (cpu / time.Duration(r.ServedByNode[i])).Microseconds())
		}
	}
	return strings.Join(parts, " / ")
}
