package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/fault"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/memo"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// softwareStatement is a statement (RFC 7591 §2.3) whose signature,
// issuer and times have been checked.
type softwareStatement struct {
	token      string
	issuer     string
	softwareID string
	orgID      string
	claims     claims
	// keysBound: the statement's keys (software_jwks_endpoint or
	// software_jwks) are the client's, whatever keys the request names
	// (Open Banking UK: the directory vouches for the software's keys).
	keysBound bool
	// roleScopes, when not nil, are the only scopes the client may hold:
	// those its software_roles grant (registration.role_scopes) and
	// openid.
	roleScopes []string
}

func errStatement(format string, args ...any) *oautherr.Error {
	return oautherr.New(oautherr.InvalidSoftwareStatement, format, args...)
}

// statementOf reads a registration object's software_statement: "" when
// it has none.
func statementOf(obj map[string]json.RawMessage) (string, error) {
	raw, ok := obj["software_statement"]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var token string
	if err := json.Unmarshal(raw, &token); err != nil || token == "" {
		return "", errStatement("software_statement: must be a signed JWT, as a string")
	}
	return token, nil
}

// verifyStatement checks a statement as RFC 7591 §3.1.1 and the workspace
// want: its iss is a trusted issuer (else unapproved_software_statement);
// it is signed by a key of that issuer's, found by kid among the issuer's
// keys only (a jku, x5u or jwk header is never read: see jose.Header),
// with one of the issuer's algs (asymmetric only: the settings refuse
// others, so an HS256 "signature" keyed with the public key never
// verifies); and its iat, nbf and exp hold, iat within max_age. A key set
// that cannot be had (an issuer's jwks_uri down) is an outage, not the
// client's fault.
func (s *Service) verifyStatement(ctx context.Context, ws workspace.Workspace, token string) (*softwareStatement, error) {
	unverified, remembered, err := statementClaims(token)
	if err != nil {
		return nil, errStatement("software_statement: %v", err)
	}
	iss, err := unverified.str("iss")
	if err != nil || iss == "" {
		return nil, errStatement("software_statement: iss must name its issuer")
	}
	reg := ws.Settings.Registration
	trusted, ok := reg.TrustedIssuer(iss)
	if !ok {
		return nil, oautherr.New(oautherr.UnapprovedSoftwareStatement, "software_statement: issuer %q is not trusted by this workspace", iss)
	}
	keys, err := s.issuerKeys(trusted)
	if err != nil {
		return nil, err
	}
	v := jose.Verifier{Keys: keys, Algs: trusted.StatementAlgs(), RequireKid: true, Memo: verifiedStatements}
	_, _, err = v.Verify(ctx, token)
	if errors.Is(err, jose.ErrInvalidSignature) {
		return nil, errStatement("software_statement: not signed by a key of issuer %q: %v", iss, err)
	}
	if err != nil {
		// The directory's keys could not be had: retry later (503).
		return nil, fmt.Errorf("keys of trusted issuer %q: %w: %w", iss, fault.ErrUnavailable, err)
	}
	// The claims read before are those of the payload just verified: the
	// signature covers the very segment they were decoded from.
	verified := unverified
	if !remembered {
		decodedStatements.Put(token, verified)
	}
	if err := verified.checkTimes(s.Time(), reg.StatementMaxAge(), false); err != nil {
		return nil, errStatement("software_statement: %v", err)
	}
	softwareID, err := verified.str("software_id")
	if err != nil {
		return nil, errStatement("software_statement: %v", err)
	}
	// The software's keys become the client's jwks: a fault in them is the
	// statement's, and the error says so rather than blame the request.
	if present(verified, "software_jwks") {
		var oe *oautherr.Error
		err := client.CheckJWKSClaim(verified["software_jwks"], "software_jwks")
		if errors.As(err, &oe) {
			return nil, errStatement("software_statement: %s", oe.Description)
		}
		if err != nil {
			return nil, err
		}
	}
	st := &softwareStatement{token: token, issuer: iss, softwareID: softwareID, claims: verified,
		keysBound: ws.Settings.IsProfile(workspace.ProfileOpenBankingUK)}
	if st.orgID, err = verified.str("org_id"); err != nil {
		return nil, errStatement("software_statement: %v", err)
	}
	if st.roleScopes, err = grantedByRoles(ws.Settings, verified); err != nil {
		return nil, err
	}
	return st, nil
}

// grantedByRoles are the scopes a statement's software_roles grant under
// the workspace's registration.role_scopes, with openid, in the order of
// the workspace's scopes; nil when the workspace maps no roles. A role
// the workspace does not map grants nothing.
func grantedByRoles(ws workspace.Settings, c claims) ([]string, error) {
	roleScopes := ws.RoleScopeMap()
	if len(roleScopes) == 0 {
		return nil, nil
	}
	roles, err := c.strs("software_roles")
	if err != nil {
		return nil, errStatement("software_statement: %v", err)
	}
	granted := []string{}
	for _, sc := range ws.Scopes {
		if sc == "openid" || slices.ContainsFunc(roles, func(role string) bool { return slices.Contains(roleScopes[role], sc) }) {
			granted = append(granted, sc)
		}
	}
	return granted, nil
}

// A statement is sent with every registration of its software, so the
// same token is verified again and again. Its signature is remembered
// (jose.SignatureMemo: a hit still needs the key among the issuer's keys
// as they are now, by the token's kid and an alg the issuer is trusted
// with), and so are its claims, decoded (a pure function of the token,
// kept only once it verified). Everything else (the issuer trusted, the
// times at this moment, max_age as now set) is checked on every use.
const statementMemoSize = 1024

var (
	verifiedStatements = jose.NewSignatureMemo(statementMemoSize)
	decodedStatements  = memo.New[string, claims](statementMemoSize)
)

// statementClaims are a statement's claims, unverified, as decoded
// before if it verified before. They are shared: never modified.
// remembered says they came from the memo.
func statementClaims(token string) (c claims, remembered bool, err error) {
	if c, ok := decodedStatements.Get(token); ok {
		return c, true, nil
	}
	c, err = unverifiedClaims(token)
	return c, false, err
}

// issuerKeys are a trusted issuer's verification keys: its inline jwks,
// or its jwks_uri through the fetcher (a kid the cached set lacks is
// looked for once more in a refreshed one, as the issuer may have
// rotated).
func (s *Service) issuerKeys(ti workspace.TrustedIssuer) (jose.KeySet, error) {
	if ti.JWKSURI == "" {
		set, err := jose.ParseJWKS(ti.JWKS)
		if err != nil {
			// Settings validation parsed it at start.
			return nil, fmt.Errorf("jwks of trusted issuer %q: %w", ti.Issuer, err)
		}
		return set, nil
	}
	return s.remoteKeys(ti.JWKSURI), nil
}

// remoteKeys is the JWK Set at url, through the fetcher.
func (s *Service) remoteKeys(url string) jose.KeySet {
	return jose.FetchedJWKS(s.fetcher(), url)
}

// registeredClaims are the JWT claims of a statement (RFC 7519 §4.1),
// which describe the statement, not the client.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti"}

// statementAliases are the statement-only names (Open Banking UK's
// software_client_name and the like) of client metadata.
var statementAliases = map[string]string{
	"software_client_name": "client_name",
	"software_client_uri":  "client_uri",
	"software_logo_uri":    "logo_uri",
	"software_tos_uri":     "tos_uri",
	"software_policy_uri":  "policy_uri",
}

// statementMetadata is the client metadata a statement asserts: its
// claims by metadata name, the aliases mapped, the JWT and statement-only
// claims left out. software_jwks_endpoint and software_jwks become
// jwks_uri and jwks when the request names neither: a client may present
// keys of its own, as RFC 7591 §2.3 lets the request add what the
// statement does not say; unless the statement binds its keys
// (keysBound), when they are the client's whatever the request names.
func (st *softwareStatement) statementMetadata(request map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for alias, name := range statementAliases {
		if v, ok := st.claims[alias]; ok {
			out[name] = v
		}
	}
	if st.keysBound || (!present(request, "jwks") && !present(request, "jwks_uri")) {
		if v, ok := st.claims["software_jwks_endpoint"]; ok {
			out["jwks_uri"] = v
		}
		if v, ok := st.claims["software_jwks"]; ok {
			out["jwks"] = v
		}
	}
	for name, v := range st.claims {
		// Claims that are no metadata are dropped by DecodeMetadata, as
		// unknown members of a request are (RFC 7591 §2).
		if !slices.Contains(registeredClaims, name) {
			out[name] = v
		}
	}
	return out
}

// present: obj has member name, not null.
func present(obj map[string]json.RawMessage, name string) bool {
	v, ok := obj[name]
	return ok && string(v) != "null"
}

// withStatement decodes a registration object with st's claims taking
// precedence over its same members (RFC 7591 §2.3); software_id and
// software_version come from the statement alone. Every redirect URI
// registered must be among the statement's software_redirect_uris, when
// it has them. The statement is kept verbatim, to be echoed (§3.2.1).
func withStatement(obj map[string]json.RawMessage, st *softwareStatement) (client.Metadata, error) {
	if st == nil {
		return client.DecodeMetadata(obj)
	}
	asserted := st.statementMetadata(obj)
	merged := maps.Clone(obj)
	delete(merged, "software_id")
	delete(merged, "software_version")
	if st.keysBound && (present(asserted, "jwks") || present(asserted, "jwks_uri")) {
		delete(merged, "jwks")
		delete(merged, "jwks_uri")
	}
	maps.Copy(merged, asserted)
	md, err := client.DecodeMetadata(merged)
	if err != nil {
		return client.Metadata{}, statementAtFault(asserted, err)
	}
	if err := checkSoftwareRedirects(md, st); err != nil {
		return client.Metadata{}, err
	}
	if err := st.limitScope(&md); err != nil {
		return client.Metadata{}, err
	}
	md.SoftwareStatement = st.token
	return md, nil
}

// limitScope holds md's scope to what the statement's roles grant, when
// the workspace maps roles to scopes: a client that asks for none gets
// them all (RFC 7591 §2 lets the server choose, and the response says
// what it chose).
func (st *softwareStatement) limitScope(md *client.Metadata) error {
	if st.roleScopes == nil {
		return nil
	}
	if md.Scope == "" {
		md.Scope = strings.Join(st.roleScopes, " ")
		return nil
	}
	for _, sc := range strings.Fields(md.Scope) {
		if !slices.Contains(st.roleScopes, sc) {
			roles, _ := st.claims.strs("software_roles")
			return oautherr.InvalidMetadata("scope: %q is not granted to this software's roles %q; it may ask for: %s", sc, roles, strings.Join(st.roleScopes, " "))
		}
	}
	return nil
}

// statementAtFault: a claim of the wrong type is the statement's fault,
// not the request's. The asserted claims are decoded alone only once the
// merged object failed: they are all in it, unchanged, so the merged
// object decoding well means they do.
func statementAtFault(asserted map[string]json.RawMessage, err error) error {
	_, assertedErr := client.DecodeMetadata(asserted)
	var oe *oautherr.Error
	switch {
	case assertedErr == nil:
		return err
	case errors.As(assertedErr, &oe):
		return errStatement("software_statement: %s", oe.Description)
	}
	return assertedErr
}

// checkSoftwareRedirects: a statement's software_redirect_uris bound the
// redirect URIs the software may register, compared as exact strings
// (RFC 6749 §3.1.2.3 compares them so at the authorization endpoint).
func checkSoftwareRedirects(md client.Metadata, st *softwareStatement) error {
	if !present(st.claims, "software_redirect_uris") {
		return nil
	}
	allowed, err := st.claims.strs("software_redirect_uris")
	if err != nil {
		return errStatement("software_statement: %v", err)
	}
	for _, uri := range md.RedirectURIs {
		if !slices.Contains(allowed, uri) {
			return oautherr.InvalidRedirect("redirect_uris: %q is not among the software statement's software_redirect_uris", uri)
		}
	}
	return nil
}

// statementFor returns the request's verified statement, as the
// workspace's software_statement.mode wants it: none when off (the member
// is ignored, as before the setting existed); verified when sent under
// optional; required under required. One the authorizer verified (mode
// software_statement) is not verified twice.
func (s *Service) statementFor(ctx context.Context, ws workspace.Workspace, obj map[string]json.RawMessage, g grant) (*softwareStatement, error) {
	mode := ws.Settings.Registration.StatementMode()
	if mode == workspace.Off {
		return nil, nil
	}
	if g.statement != nil {
		return g.statement, nil
	}
	token, err := statementOf(obj)
	switch {
	case err != nil:
		return nil, err
	case token == "" && mode == workspace.Required:
		return nil, errStatement("software_statement: this workspace registers only software with a statement signed by a trusted issuer")
	case token == "":
		return nil, nil
	}
	return s.verifyStatement(ctx, ws, token)
}
