package workspace

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/registrar-dev/registrar/internal/jose"
)

// ModeSoftwareStatement protects registration with a software statement:
// a valid statement from a trusted issuer is itself the credential.
const ModeSoftwareStatement = "software_statement"

// Software statement and signed request modes: off, optional (verified
// when sent) or required.
const (
	Off      = "off"
	Optional = "optional"
	Required = "required"
)

// SoftwareStatement holds the software statement settings (RFC 7591 §2.3).
type SoftwareStatement struct {
	// Mode is off, optional or required.
	Mode string `json:"mode,omitempty" yaml:"mode"`
	// Issuers are the directories whose statements are trusted.
	Issuers []TrustedIssuer `json:"issuers,omitempty" yaml:"issuers"`
	// MaxAge bounds a statement's age by its iat, with or without exp.
	// Read it with StatementMaxAge.
	MaxAge Seconds `json:"max_age,omitempty" yaml:"max_age"`
}

// TrustedIssuer is a directory whose statements are trusted, and where its
// verification keys are: a jwks_uri or an inline jwks.
type TrustedIssuer struct {
	Issuer  string   `json:"issuer" yaml:"issuer"`
	JWKSURI string   `json:"jwks_uri,omitempty" yaml:"jwks_uri"`
	JWKS    JWKSDoc  `json:"jwks,omitempty" yaml:"jwks"`
	Algs    []string `json:"algs,omitempty" yaml:"algs"`
}

// DefaultStatementAlgs are what a trusted issuer may sign with unless its
// algs say otherwise.
var DefaultStatementAlgs = []string{"PS256", "ES256", "RS256"}

// AsymmetricAlgs are the algs a trusted issuer may be configured for: a
// directory's statements are verified with its public keys, so an HMAC alg
// (whose "key" would be the public key itself) and none never are.
var AsymmetricAlgs = []string{"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "EdDSA"}

// StatementAlgs are the algs the issuer's statements may use.
func (i TrustedIssuer) StatementAlgs() []string {
	if len(i.Algs) == 0 {
		return DefaultStatementAlgs
	}
	return i.Algs
}

// DefaultStatementMaxAge is how old a statement may be unless max_age says
// otherwise.
const DefaultStatementMaxAge = 24 * time.Hour

// StatementMode is software_statement.mode; settings stored before it
// existed have none, which is off.
func (r Registration) StatementMode() string {
	if r.SoftwareStatement.Mode == "" {
		return Off
	}
	return r.SoftwareStatement.Mode
}

// SignedRequestMode is signed_request; settings stored before it existed
// have none, which is off.
func (r Registration) SignedRequestMode() string {
	if r.SignedRequest == "" {
		return Off
	}
	return r.SignedRequest
}

// SignedRequestAlgorithms are the algs a signed registration body may
// use: signed_request_algs, or, for settings that name none, every
// asymmetric alg (a body is verified with the software's public keys).
func (r Registration) SignedRequestAlgorithms() []string {
	if len(r.SignedRequestAlgs) == 0 {
		return AsymmetricAlgs
	}
	return r.SignedRequestAlgs
}

// StatementMaxAge is software_statement.max_age, or the default.
func (r Registration) StatementMaxAge() time.Duration {
	if r.SoftwareStatement.MaxAge <= 0 {
		return DefaultStatementMaxAge
	}
	return r.SoftwareStatement.MaxAge.Duration()
}

// TrustedIssuer returns the trusted issuer named iss.
func (r Registration) TrustedIssuer(iss string) (TrustedIssuer, bool) {
	for _, ti := range r.SoftwareStatement.Issuers {
		if ti.Issuer == iss {
			return ti, true
		}
	}
	return TrustedIssuer{}, false
}

// JWKSDoc is a JWK Set kept as its JSON document, written in YAML as a
// mapping ({keys: [...]}) or in JSON as an object.
type JWKSDoc json.RawMessage

// MarshalJSON writes the document as it is.
func (d JWKSDoc) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps the document.
func (d *JWKSDoc) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = nil
		return nil
	}
	*d = slices.Clone(b)
	return nil
}

// UnmarshalYAML reads a mapping and keeps it as JSON.
func (d *JWKSDoc) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: jwks must be a JWK Set mapping {keys: [...]}", node.Line)
	}
	var v any
	if err := node.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("line %d: jwks: %v", node.Line, err)
	}
	*d = b
	return nil
}

// validateStatements checks the software statement, signed request and
// audience settings.
func (r Registration) validateStatements() []SettingError {
	var errs []SettingError
	st := r.SoftwareStatement
	if !slices.Contains([]string{Off, Optional, Required}, r.StatementMode()) {
		errs = append(errs, invalid("registration.software_statement.mode", "%q is not one of off, optional, required", st.Mode))
	}
	if r.StatementMode() != Off && len(st.Issuers) == 0 {
		errs = append(errs, invalid("registration.software_statement.issuers", "name at least one trusted issuer: with none, every statement would be refused"))
	}
	if r.Mode == ModeSoftwareStatement && r.StatementMode() != Required {
		errs = append(errs, invalid("registration.software_statement.mode", "registration.mode software_statement makes the statement the credential: set software_statement.mode: required"))
	}
	if st.MaxAge < 0 {
		errs = append(errs, invalid("registration.software_statement.max_age", "must be a positive duration"))
	}
	for i, ti := range st.Issuers {
		if msg := ti.problem(st.Issuers[:i]); msg != "" {
			errs = append(errs, invalidItem("registration.software_statement.issuers", i, "%s", msg))
		}
	}
	if !slices.Contains([]string{Off, Optional, Required}, r.SignedRequestMode()) {
		errs = append(errs, invalid("registration.signed_request", "%q is not one of off, optional, required", r.SignedRequest))
	} else if r.SignedRequestMode() != Off && r.StatementMode() == Off {
		errs = append(errs, invalid("registration.signed_request", "a signed request is verified with the keys of its software statement: turn software_statement.mode on"))
	}
	for i, alg := range r.SignedRequestAlgs {
		if !slices.Contains(AsymmetricAlgs, alg) {
			errs = append(errs, invalidItem("registration.signed_request_algs", i, "%q is not one of %s (a signed request is verified with the software's public keys)", alg, strings.Join(AsymmetricAlgs, ", ")))
		}
	}
	for i, aud := range r.Audiences {
		if strings.TrimSpace(aud) == "" {
			errs = append(errs, invalidItem("registration.audiences", i, "must not be empty"))
		}
	}
	return errs
}

// problem says what is wrong with a trusted issuer, given those listed
// before it, or "".
func (i TrustedIssuer) problem(before []TrustedIssuer) string {
	name := fmt.Sprintf("issuer %q", i.Issuer)
	switch {
	case i.Issuer == "":
		return "issuer: must name the statements' iss"
	case slices.ContainsFunc(before, func(o TrustedIssuer) bool { return o.Issuer == i.Issuer }):
		return name + " is listed twice"
	case (i.JWKSURI == "") == (len(i.JWKS) == 0):
		return name + ": give its keys as jwks_uri or as jwks, one of the two"
	}
	for _, alg := range i.Algs {
		if !slices.Contains(AsymmetricAlgs, alg) {
			return fmt.Sprintf("%s: alg %q is not one of %s (statements are verified with public keys only)", name, alg, strings.Join(AsymmetricAlgs, ", "))
		}
	}
	if i.JWKSURI != "" {
		if u, err := url.Parse(i.JWKSURI); err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Sprintf("%s: jwks_uri %q must be an https URL", name, i.JWKSURI)
		}
		return ""
	}
	set, err := jose.ParseJWKS(i.JWKS)
	if err != nil {
		return fmt.Sprintf("%s: jwks: %v", name, err)
	}
	if set.Len() == 0 {
		return name + ": jwks holds no public signing key"
	}
	if set.HasKeyWithoutKid() {
		// A statement must name its key (kid), so such a key would
		// verify nothing: every statement it signed would be refused.
		return name + ": every key in jwks needs a kid, which the statements it signs name"
	}
	return ""
}
