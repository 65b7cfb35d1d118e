package registration

import "strings"

// Violation is one reason a registration would be refused: a policy
// rule that denied (Rule is its name), a template's refusal (Rule
// "template:<name>") or a validation refusal (Rule is the metadata
// field). A dry run answers all of them at once.
type Violation struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Violations collects the refusals of one registration; the zero value
// is empty and ready to use.
type Violations []Violation

// Add records that rule refused with message.
func (v *Violations) Add(rule, message string) {
	*v = append(*v, Violation{Rule: rule, Message: message})
}

// Describe joins the violations into one error_description: each rule
// with its message.
func (v Violations) Describe() string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = x.Rule + ": " + x.Message
	}
	return strings.Join(parts, "; ")
}
