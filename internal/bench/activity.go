package bench

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
)

// activity is what the server has asked of its database so far, and how
// long it took to answer, read from its /metrics: only the server's own statements count, not the bench's
// nor those of a CLI run on the same file.
type activity struct {
	reads, writes, commits float64
	// latency is the server's own request latency histogram.
	latency latencyCounts
}

func (a activity) minus(b activity) activity {
	return activity{a.reads - b.reads, a.writes - b.writes, a.commits - b.commits, a.latency.minus(b.latency)}
}

func (a activity) plus(b activity) activity {
	return activity{a.reads + b.reads, a.writes + b.writes, a.commits + b.commits, a.latency.plus(b.latency)}
}

// storeActivity reads the server's store counters; zero when the server
// exports none.
func (t *target) storeActivity() activity {
	a := activity{latency: latencyCounts{}}
	if t.metrics == "" {
		return a
	}
	resp, err := http.Get(t.metrics)
	if err != nil {
		return a
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// The value follows the last space: label values (routes) have
		// spaces of their own.
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, value := line[:i], line[i+1:]
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch name {
		case `registrar_store_statements_total{kind="read"}`:
			a.reads = v
		case `registrar_store_statements_total{kind="write"}`:
			a.writes = v
		case `registrar_store_commits_total`:
			a.commits = v
		default:
			a.latency.addLatencyLine(name, value)
		}
	}
	return a
}
