package workspace

import (
	"slices"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/policy"
)

// Policy is one named registration rule in CEL (internal/policy): when
// When (if set) holds, Rule must hold, or the registration or update is
// refused with Error and Message.
type Policy struct {
	Name    string `json:"name" yaml:"name"`
	When    string `json:"when,omitempty" yaml:"when"`
	Rule    string `json:"rule" yaml:"rule"`
	Message string `json:"message" yaml:"message"`
	// Error is the RFC 7591 §3.2.2 error code of a denial; read it
	// with ErrorCode.
	Error string `json:"error,omitempty" yaml:"error"`
}

// DefaultPolicyCostLimit bounds what evaluating one rule may cost, in
// cel-go's cost units: far above any rule over one request's lists, far
// below a rule that loops over them in nests.
const DefaultPolicyCostLimit = 10_000

// policyErrors are the codes a rule may answer with: RFC 7591 §3.2.2's.
var policyErrors = []string{oautherr.InvalidClientMetadata, oautherr.InvalidRedirectURI, oautherr.InvalidSoftwareStatement, oautherr.UnapprovedSoftwareStatement}

// ErrorCode is the rule's error, invalid_client_metadata by default.
func (p Policy) ErrorCode() string {
	if p.Error == "" {
		return oautherr.InvalidClientMetadata
	}
	return p.Error
}

// PolicyCostLimit is registration.policy_cost_limit, or the default.
func (r Registration) PolicyCostLimit() uint64 {
	if r.PolicyCost <= 0 {
		return DefaultPolicyCostLimit
	}
	return uint64(r.PolicyCost)
}

// PolicyRules are the registration rules as internal/policy takes them.
func (r Registration) PolicyRules() []policy.Rule {
	rules := make([]policy.Rule, len(r.Policies))
	for i, p := range r.Policies {
		rules[i] = policy.Rule{Name: p.Name, When: p.When, Expr: p.Rule, Message: p.Message, Error: p.ErrorCode()}
	}
	return rules
}

// validatePolicies: each rule named once, with a message and a known
// error, and compiled and type-checked now, so that a rule that cannot
// run stops the start rather than refusing every registration.
func (r Registration) validatePolicies() []SettingError {
	var errs []SettingError
	if r.PolicyCost < 0 {
		errs = append(errs, invalid("registration.policy_cost_limit", "must be a positive number (0 is the default, %d)", DefaultPolicyCostLimit))
	}
	for i, p := range r.Policies {
		switch {
		case p.Name == "":
			errs = append(errs, invalidItem("registration.policies", i, "name: set it; a denial names the rule that denied"))
		case slices.ContainsFunc(r.Policies[:i], func(q Policy) bool { return q.Name == p.Name }):
			errs = append(errs, invalidItem("registration.policies", i, "name: %q is used twice", p.Name))
		}
		if p.Rule == "" {
			errs = append(errs, policyError(i, "rule", "policy %q: set rule, a CEL expression that must hold", p.Name))
		}
		if p.Message == "" {
			errs = append(errs, policyError(i, "message", "policy %q: set message, what a denial tells the client", p.Name))
		}
		if !slices.Contains(policyErrors, p.ErrorCode()) {
			errs = append(errs, policyError(i, "error", "policy %q: %q is not one of %v", p.Name, p.Error, policyErrors))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	_, compileErrs := policy.Compile(r.PolicyRules(), r.PolicyCostLimit())
	for _, e := range compileErrs {
		errs = append(errs, policyError(e.Index, e.Field, "%s", e.Error()))
	}
	return errs
}

// policyError is about field of rule i, so the file line named is the
// field's own.
func policyError(i int, field, format string, args ...any) SettingError {
	e := invalidItem("registration.policies", i, format, args...)
	e.Field = field
	return e
}
