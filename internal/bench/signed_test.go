package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

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
