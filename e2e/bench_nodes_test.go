package e2e

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchNodesOnPostgres: `registrar bench --nodes 2` starts two servers
// on one PostgreSQL database and spreads each workload over both: each
// node's own /metrics counted requests, a token issued through the first
// node at set-up is introspected on both without error, and no server is
// left running. Speed is not checked: that is what the bench prints.
func TestBenchNodesOnPostgres(t *testing.T) {
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	db := freshSchema(t, dsn)
	out := runBench(t, "--db", db, "--nodes", "2", "--duration", "1s", "--warmup", "0s",
		"--workloads", "cc-jwt,introspect", "--connections", "8", "--json")
	var rep struct {
		Nodes   int `json:"nodes"`
		Scaling []struct {
			Workload string           `json:"workload"`
			OneNode  nodeBenchFigures `json:"one_node"`
			AllNodes nodeBenchFigures `json:"all_nodes"`
			Ratio    struct {
				PerSecond float64 `json:"requests_per_second"`
			} `json:"ratio"`
		} `json:"scaling"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Nodes != 2 || len(rep.Scaling) != 2 || rep.Scaling[0].Workload != "cc-jwt" || rep.Scaling[1].Workload != "introspect" {
		t.Fatalf("report: %s", out)
	}
	for _, s := range rep.Scaling {
		one, all := s.OneNode, s.AllNodes
		if all.Requests == 0 || all.Errors != 0 || one.Errors != 0 || s.Ratio.PerSecond <= 0 {
			t.Errorf("%s: one node %+v, two %+v, ratio %v", s.Workload, one, all, s.Ratio.PerSecond)
		}
		if len(one.Served) != 2 || one.Served[0] == 0 || one.Served[1] != 0 {
			t.Errorf("%s on one node: served by node %v, want all by the first", s.Workload, one.Served)
		}
		if len(all.Served) != 2 || all.Served[0] == 0 || all.Served[1] == 0 {
			t.Errorf("%s on two nodes: served by node %v, want both to serve", s.Workload, all.Served)
		}
	}
	if left := processesWithEnv("REGISTRAR_DB=" + db); len(left) > 0 {
		t.Errorf("servers of the bench still running: %v", left)
	}
}

// runBench runs `registrar bench` with args in a directory of its own and
// returns its standard output; it fails the test if the bench fails.
func runBench(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"bench"}, args...)...)
	cmd.Env, cmd.Dir = baseEnv(), t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

type nodeBenchFigures struct {
	Requests int64     `json:"requests"`
	Errors   int64     `json:"errors"`
	Served   []float64 `json:"served_by_node"`
}

// processesWithEnv lists the processes whose environment holds kv.
func processesWithEnv(kv string) []string {
	paths, _ := filepath.Glob("/proc/[0-9]*/environ")
	var out []string
	for _, p := range paths {
		env, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, v := range bytes.Split(env, []byte{0}) {
			if string(v) == kv {
				out = append(out, filepath.Base(filepath.Dir(p)))
			}
		}
	}
	return out
}

// TestBenchNodesRefused: a node count the bench cannot run is refused
// before anything starts, with what to do.
func TestBenchNodesRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nodes", "2"}, "--nodes needs a PostgreSQL store (--db postgres://…): nodes share one database"},
		{[]string{"--nodes", "2", "--db", "sqlite:bench.db"}, "--nodes needs a PostgreSQL store"},
		{[]string{"--nodes", "0"}, "--nodes must be at least 1"},
		{[]string{"--nodes", "-1", "--db", "postgres://u@127.0.0.1:1/db"}, "--nodes must be at least 1"},
	} {
		cmd := exec.Command(binary, append([]string{"bench"}, c.args...)...)
		cmd.Env, cmd.Dir = baseEnv(), t.TempDir()
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) || strings.Contains(string(out), "panic") {
			t.Errorf("bench %v: %v: %s, want %q", c.args, err, out, c.want)
		}
	}
}

// TestBenchTwiceOnOnePostgresDatabase: each bench run makes a new master
// key, which cannot open what an earlier run sealed; a second run on the
// database a first one used still works, because each works in a schema
// of its own and drops it at the end. What the database held before (here
// the empty schema the DSN names) is left as it was.
func TestBenchTwiceOnOnePostgresDatabase(t *testing.T) {
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	db := freshSchema(t, dsn)
	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	benchSchemas := func() int {
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'registrar\_bench\_%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := benchSchemas()
	for run := 1; run <= 2; run++ {
		out := runBench(t, "--db", db, "--duration", "200ms", "--warmup", "0s", "--workloads", "cc-jwt", "--connections", "2", "--json")
		var rep struct {
			Store     string `json:"store"`
			Workloads []struct {
				Name     string `json:"name"`
				Requests int64  `json:"requests"`
				Errors   int64  `json:"errors"`
			} `json:"workloads"`
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("run %d: %v: %s", run, err, out)
		}
		if rep.Store != "postgres" || len(rep.Workloads) != 1 || rep.Workloads[0].Requests == 0 || rep.Workloads[0].Errors != 0 {
			t.Fatalf("run %d: %s", run, out)
		}
	}
	var tables int
	if err := conn.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("the bench made %d tables in the schema its --db names; want none", tables)
	}
	if after := benchSchemas(); after != before {
		t.Errorf("bench schemas: %d before the runs, %d after; want each run to drop its own", before, after)
	}
}

// TestBenchWithoutCreateOnTheDatabase: a user who may not create the
// bench's schema is told so, and what to grant, before anything runs.
func TestBenchWithoutCreateOnTheDatabase(t *testing.T) {
	dsn := os.Getenv("REGISTRAR_TEST_POSTGRES_DSN")
	requireCI(t, dsn != "", "REGISTRAR_TEST_POSTGRES_DSN")
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := "bench_" + strings.ToLower(rand.Text()[:8])
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP ROLE " + role) })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	cmd := exec.Command(binary, "bench", "--db", u.String(), "--workloads", "cc-jwt", "--duration", "100ms", "--warmup", "0s")
	cmd.Env, cmd.Dir = baseEnv(), t.TempDir()
	out, err := cmd.CombinedOutput()
	want := "the user needs CREATE on the database: GRANT CREATE ON DATABASE"
	if err == nil || !strings.Contains(string(out), want) || strings.Contains(string(out), "ceiling") {
		t.Errorf("bench as %s: %v: %s; want the refusal %q before any measurement", role, err, out, want)
	}
}
