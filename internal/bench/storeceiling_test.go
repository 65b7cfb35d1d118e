package bench

import (
	"testing"
	"time"
)

// TestCeilingTargets: each workload is read against its own ceiling.
func TestCeilingTargets(t *testing.T) {
	rep := Report{
		Ceilings: []Result{
			{Name: "ceiling: bare net/http JSON", PerSecond: 20000},
			{Name: "ceiling: net/http + one ES256 JWT", PerSecond: 10000},
			{Name: storeCeilingName, PerSecond: 4000},
		},
		Workloads: []Result{
			{Name: "cc-jwt", PerSecond: 7000},    // 70 % of ES256: short of 80 %
			{Name: "cc-opaque", PerSecond: 3600}, // 90 % of the insert
			{Name: "register", PerSecond: 1900},  // 47.5 % of the insert: short of 50 %
		},
	}
	want := map[string]bool{"cc-jwt": false, "cc-opaque": true, "register": false}
	got := ceilingTargets(rep)
	if len(got) != len(want) {
		t.Fatalf("targets = %+v", got)
	}
	for i, name := range []string{"cc-jwt", "cc-opaque", "register"} {
		if got[i].met != want[name] {
			t.Errorf("%s: %+v, want met %v", name, got[i], want[name])
		}
	}
	if len(ceilingTargets(Report{Workloads: rep.Workloads})) != 0 {
		t.Error("targets read against ceilings that were not measured")
	}
}

// TestRestartGoals: start to ready and the idle resident set are held to
// 200 ms and 40 MiB, and a run that did not restart states neither.
func TestRestartGoals(t *testing.T) {
	for _, c := range []struct {
		ready     time.Duration
		idle      float64
		wantReady bool
		wantIdle  bool
	}{
		{150 * time.Millisecond, 30, true, true},
		{250 * time.Millisecond, 45, false, false},
	} {
		got := restartGoals(Report{StartToReady: c.ready, IdleRSSMiB: c.idle})
		if len(got) != 2 || got[0].met != c.wantReady || got[1].met != c.wantIdle || got[0].metScaled != got[0].met {
			t.Errorf("ready %s, idle %.0f MiB: %+v", c.ready, c.idle, got)
		}
	}
	if got := restartGoals(Report{}); len(got) != 0 {
		t.Errorf("no restart measured, yet %+v", got)
	}
}
