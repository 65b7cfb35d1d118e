// Package policy compiles and runs an operator's registration rules,
// written in CEL (cel.dev/cel-go), over what a registration presents:
// the request's metadata, its software statement, the token that
// authorised it, the registered client (on update), the workspace, the
// time and the operation. Rules are compiled and type-checked once, when
// the settings are loaded; a request only evaluates them.
package policy

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// Rule is one named rule as configured. When, if set, limits the rule
// to requests it holds for; Expr is the rule itself, which must hold.
type Rule struct {
	Name    string
	When    string
	Expr    string
	Message string
	// Error is the OAuth error code a denial answers with.
	Error string
}

// Input is what a rule can read, one CEL variable each.
type Input struct {
	Request           map[string]any
	SoftwareStatement map[string]any
	Token             map[string]any
	Client            map[string]any
	Workspace         map[string]any
	Now               time.Time
	Operation         string
}

// Operations a rule sees in `operation`.
const (
	OperationCreate = "create"
	OperationUpdate = "update"
)

// Denial is a rule that refused: it was false, or it could not be
// evaluated (Reason says why: a missing field, the cost limit).
type Denial struct {
	Rule   Rule
	Reason string
}

// Variables are the names rules may use.
var Variables = []string{"request", "software_statement", "token", "client", "workspace", "now", "operation"}

// env declares the variables. The maps are of JSON values, so their
// members are dyn: a field is checked when the rule runs. ext.Strings
// gives split, lowerAscii and the like, which scope strings need;
// ext.Bindings, cel.bind, names a table once in a rule that reads it
// twice.
var env = sync.OnceValues(func() (*cel.Env, error) {
	json := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		cel.Variable("request", json),
		cel.Variable("software_statement", json),
		cel.Variable("token", json),
		cel.Variable("client", json),
		cel.Variable("workspace", json),
		cel.Variable("now", cel.TimestampType),
		cel.Variable("operation", cel.StringType),
		ext.Strings(),
		ext.Lists(),
		ext.Bindings(),
		cel.CrossTypeNumericComparisons(true),
	)
})

// Set is a workspace's rules, compiled.
type Set struct {
	rules []compiled
}

type compiled struct {
	Rule
	when, expr cel.Program // when is nil without a condition
}

// CompileError is a rule that did not compile: Field is "when" or
// "rule", Index the rule's place in the list.
type CompileError struct {
	Index int
	Name  string
	Field string
	Msg   string
}

func (e CompileError) Error() string {
	return fmt.Sprintf("policy %q: %s: %s", e.Name, e.Field, e.Msg)
}

// Compile compiles and type-checks every rule, each expression to a
// bool, and reports every one that fails. costLimit bounds what one
// expression may cost to evaluate (cel-go's cost units).
func Compile(rules []Rule, costLimit uint64) (*Set, []CompileError) {
	e, err := env()
	if err != nil {
		return nil, []CompileError{{Index: -1, Msg: err.Error()}}
	}
	set := &Set{rules: make([]compiled, 0, len(rules))}
	var errs []CompileError
	for i, r := range rules {
		c := compiled{Rule: r}
		var err error
		if r.When != "" {
			if c.when, err = program(e, r.When, costLimit); err != nil {
				errs = append(errs, CompileError{Index: i, Name: r.Name, Field: "when", Msg: err.Error()})
			}
		}
		if c.expr, err = program(e, r.Expr, costLimit); err != nil {
			errs = append(errs, CompileError{Index: i, Name: r.Name, Field: "rule", Msg: err.Error()})
		}
		set.rules = append(set.rules, c)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return set, nil
}

// program compiles one expression that must yield a bool, as the check
// proves: one that yields dyn (a JSON member, which may hold anything)
// would load and only fail on the requests it reads, so it is refused
// with how to make it a bool.
func program(e *cel.Env, src string, costLimit uint64) (cel.Program, error) {
	ast, iss := e.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(celMessage(iss.Err().Error()))
	}
	switch t := ast.OutputType(); {
	case t.IsExactType(cel.DynType):
		return nil, errors.New("returns dyn, not a bool: a member of the request, statement or token may hold any type; compare it to make a bool (request.flag == true, request.client_name != '')")
	case !t.IsExactType(cel.BoolType):
		return nil, fmt.Errorf("returns %s, not a bool", t)
	}
	return e.Program(ast, cel.CostLimit(costLimit), cel.EvalOptions(cel.OptOptimize))
}

// celMessage keeps cel-go's error lines ("ERROR: <input>:1:5: undeclared
// reference to 'x'") without the source excerpt and caret under each,
// which lose their meaning on one line of a startup error.
func celMessage(msg string) string {
	var kept []string
	for _, line := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "|") {
			kept = append(kept, strings.TrimSpace(line))
		}
	}
	return strings.Join(kept, "; ")
}

// Judge evaluates the rules in order and returns those that deny: all of
// them when all is set (a dry run lists every failure), else only the
// first. A rule whose condition does not hold is skipped; a condition or
// rule that cannot be evaluated denies, saying why.
func (s *Set) Judge(in Input, all bool) []Denial {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	vars := in.activation()
	var denials []Denial
	for _, r := range s.rules {
		reason := r.judge(vars)
		if reason == "" {
			continue
		}
		denials = append(denials, Denial{Rule: r.Rule, Reason: reason})
		if !all {
			break
		}
	}
	return denials
}

// judge is "" when r allows, else why it denies.
func (r compiled) judge(vars map[string]any) string {
	if r.when != nil {
		applies, err := eval(r.when, vars)
		if err != nil {
			return fmt.Sprintf("%s (its condition could not be evaluated: %v)", r.Message, err)
		}
		if !applies {
			return ""
		}
	}
	holds, err := eval(r.expr, vars)
	switch {
	case err != nil:
		return fmt.Sprintf("%s (the rule could not be evaluated: %v)", r.Message, err)
	case !holds:
		return r.Message
	}
	return ""
}

func eval(p cel.Program, vars map[string]any) (bool, error) {
	out, _, err := p.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("it returned %s, not a bool", out.Type().TypeName())
	}
	return b, nil
}

func (in Input) activation() map[string]any {
	return map[string]any{
		"request":            orEmpty(in.Request),
		"software_statement": orEmpty(in.SoftwareStatement),
		"token":              orEmpty(in.Token),
		"client":             orEmpty(in.Client),
		"workspace":          orEmpty(in.Workspace),
		"now":                in.Now,
		"operation":          in.Operation,
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
