package bench

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// activity is what the server has asked of its database so far, read from
// its /metrics: only the server's own statements count, not the bench's
// nor those of a CLI run on the same file.
type activity struct {
	reads, writes, commits float64
	// requests are the HTTP requests the server answered, all routes.
	requests float64
	// cpu is the server's CPU time (usage reads it; storeActivity not).
	cpu time.Duration
	// latency is the server's own request latency histogram.
	latency latencyCounts
}

func (a activity) minus(b activity) activity {
	return activity{a.reads - b.reads, a.writes - b.writes, a.commits - b.commits, a.requests - b.requests, a.cpu - b.cpu, a.latency.minus(b.latency)}
}

func (a activity) plus(b activity) activity {
	return activity{a.reads + b.reads, a.writes + b.writes, a.commits + b.commits, a.requests + b.requests, a.cpu + b.cpu, a.latency.plus(b.latency)}
}

// usage is the server's store activity and CPU time so far.
func (t *target) usage() activity {
	a := t.storeActivity()
	a.cpu = t.cpuTime()
	return a
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
		// A label value may hold spaces (a route is "POST /path"): the
		// value follows the last one.
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
		if strings.HasPrefix(name, "registrar_http_requests_total{") {
			a.requests += v
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
