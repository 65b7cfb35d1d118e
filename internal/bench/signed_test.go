package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/registrar-dev/registrar/internal/jose"
)

func TestRatiosPairSignedWorkloadsWithTheirPlainCounterparts(t *testing.T) {
	got := ratios([]Result{{Name: "register", PerSecond: 1000}, {Name: "register-signed", PerSecond: 600},
		{Name: "cc-jwt", PerSecond: 4000}})
	if len(got) != 1 || got[0].Workload != "register-signed" || got[0].Counterpart != "register" || got[0].Ratio != 0.6 {
		t.Fatalf("ratios %+v; want register-signed at 0.6 of register, and nothing for cc-private-key-jwt, not run", got)
	}
}

// The signed workspace's YAML trusts the directory key that signed the
// statement.
func TestSignedWorkspaceTrustsTheStatementsKey(t *testing.T) {
	sg, err := newSigning()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sg.workspaceYAML()
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Workspaces []struct {
			Registration struct {
				SoftwareStatement struct {
					Issuers []struct {
						Issuer string
						JWKS   map[string]any `yaml:"jwks"`
					}
				} `yaml:"software_statement"`
			}
		}
	}
	if err := yaml.Unmarshal([]byte(benchConfig+doc), &cfg); err != nil {
		t.Fatalf("YAML: %v\n%s", err, doc)
	}
	trusted := cfg.Workspaces[len(cfg.Workspaces)-1].Registration.SoftwareStatement.Issuers[0]
	raw, _ := json.Marshal(trusted.JWKS)
	set, err := jose.ParseJWKS(raw)
	if err != nil || trusted.Issuer != benchDirectory {
		t.Fatalf("issuer %q, jwks %s: %v", trusted.Issuer, raw, err)
	}
	v := jose.Verifier{Keys: set, Algs: []string{"ES256"}, RequireKid: true}
	if _, _, err := v.Verify(context.Background(), sg.statement); err != nil {
		t.Fatalf("the statement does not verify with the trusted key: %v", err)
	}
}

func TestPresignedHandsOutEachOnceThenSignsInline(t *testing.T) {
	var signed atomic.Int64
	p, err := presign(5, func() (string, error) { return fmt.Sprint(signed.Add(1)), nil })
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 7 {
		body, err := p.take()
		if err != nil || seen[body] {
			t.Fatalf("take: %q again (%v)", body, err)
		}
		seen[body] = true
	}
	if signed.Load() != 7 {
		t.Fatalf("signed %d; want 5 in advance and 2 inline", signed.Load())
	}
}

// TestCryptoFloor: a workload that adds a signature check can come no
// closer to its counterpart's CPU than the check allows.
func TestCryptoFloor(t *testing.T) {
	results := []Result{{Name: "cc-jwt", PerSecond: 1000, ServerCPU: 100 * time.Microsecond},
		{Name: "cc-private-key-jwt", PerSecond: 400, ServerCPU: 250 * time.Microsecond},
		{Name: "register", PerSecond: 1000, ServerCPU: 200 * time.Microsecond},
		{Name: "register-signed", PerSecond: 600, ServerCPU: 300 * time.Microsecond}}
	timed := 0
	got := withVerifyCost(ratios(results), results, func() time.Duration { timed++; return 100 * time.Microsecond })
	want := map[string][2]float64{"cc-private-key-jwt": {0.4, 0.5}, "register-signed": {2.0 / 3, 0}}
	if len(got) != len(want) {
		t.Fatalf("ratios %+v", got)
	}
	for _, r := range got {
		w := want[r.Workload]
		if math.Abs(r.CPURatio-w[0]) > 1e-9 || math.Abs(r.Bound-w[1]) > 1e-9 {
			t.Errorf("%s: CPU ratio %.3f bound %.3f; want %.3f and %.3f", r.Workload, r.CPURatio, r.Bound, w[0], w[1])
		}
	}
	if timed != 1 {
		t.Errorf("the verification was timed %d times; want once, for cc-private-key-jwt", timed)
	}
	if !strings.Contains(ratioMeasured(got[1]), "at most 50%") {
		t.Errorf("printed %q; want the bound", ratioMeasured(got[1]))
	}
}

// TestES256VerifyCost: the cost is measured, not assumed.
func TestES256VerifyCost(t *testing.T) {
	d, err := es256VerifyCost()
	if err != nil || d <= 0 || d > 100*time.Millisecond {
		t.Fatalf("ES256 verification cost %v, %v", d, err)
	}
}
