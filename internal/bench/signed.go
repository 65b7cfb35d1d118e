package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/registrar-dev/registrar/internal/devtools"
)

// The signed workloads measure registration with a software statement and
// a signed body, and tokens for a private_key_jwt client, all ES256, in a
// workspace of their own ("signed") that trusts the bench's directory key.
// Each request carries a newly signed body or assertion, as real clients
// send them: the server accepts a jti once.

const (
	benchDirectory  = "bench-directory"
	benchSoftwareID = "bench-app"
	assertionType   = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// signing holds the directory's key, the software's key and the statement
// the directory signed for it.
type signing struct {
	directory, software devtools.Key
	statement           string
	// clientID is a private_key_jwt client registered before the load.
	clientID string
}

func newSigning() (*signing, error) {
	s := &signing{}
	var err error
	if s.directory, err = devtools.NewKey("ES256", "bench-directory-1"); err != nil {
		return nil, err
	}
	if s.software, err = devtools.NewKey("ES256", "bench-app-1"); err != nil {
		return nil, err
	}
	softwareJWKS, err := s.software.PublicJWKS()
	if err != nil {
		return nil, err
	}
	claims := devtools.Claims{"software_id": benchSoftwareID, "software_version": "1",
		"software_jwks": json.RawMessage(softwareJWKS), "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "private_key_jwt", "token_endpoint_auth_signing_alg": "ES256"}
	s.statement, err = devtools.Statement(s.directory, benchDirectory, claims, time.Now(), 24*time.Hour)
	return s, err
}

// workspaceYAML declares the "signed" workspace: a statement of the
// bench's directory is the credential, and the body must be signed.
func (s *signing) workspaceYAML() (string, error) {
	directoryJWKS, err := s.directory.PublicJWKS()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`  - name: signed
    registration:
      enabled: true
      mode: software_statement
      grant_types: [client_credentials]
      response_types: [code]
      auth_methods: [private_key_jwt]
      signed_request: required
      software_statement:
        mode: required
        max_age: 24h
        issuers:
          - issuer: %s
            algs: [ES256]
            jwks: %s
`, benchDirectory, directoryJWKS), nil
}

// signedRegistration is one registration request of the signed workload.
func (s *signing) signedRegistration(base string) devtools.Registration {
	return devtools.Registration{
		Endpoint:  base + "/signed/oauth2/register",
		Metadata:  devtools.Claims{"client_name": "bench", "scope": "profile"},
		Statement: s.statement, SignWith: &s.software, Iss: benchSoftwareID, Aud: base + "/signed",
		Now: time.Now(),
	}
}

// signedRegisterStep registers a client per request, each with a newly
// signed body: the plain counterpart is "register".
func (s *signing) signedRegisterStep(base string) func(int) (Step, error) {
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			return s.register(ctx, c, base, nil)
		}, nil
	}
}

func (s *signing) register(ctx context.Context, c *http.Client, base string, out any) error {
	a, err := devtools.Register(ctx, c, s.signedRegistration(base))
	if err != nil {
		return err
	}
	if a.Status != http.StatusCreated {
		return fmt.Errorf("signed registration: %d %s", a.Status, a.Body)
	}
	if out != nil {
		return json.Unmarshal(a.Body, out)
	}
	return nil
}

// registerClient registers the private_key_jwt client the token workload
// uses.
func (s *signing) registerClient(base string) error {
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := s.register(context.Background(), http.DefaultClient, base, &reg); err != nil {
		return err
	}
	s.clientID = reg.ClientID
	return nil
}

// privateKeyJWTStep asks for client_credentials tokens, authenticating
// each request with a new assertion: the plain counterpart is "cc-jwt"
// (client_secret_basic).
func (s *signing) privateKeyJWTStep(base string) func(int) (Step, error) {
	u, aud := base+"/signed/oauth2/token", base+"/signed/oauth2/token"
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			assertion, err := devtools.Assertion(s.software, s.clientID, aud, time.Now())
			if err != nil {
				return err
			}
			body := url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"},
				"client_assertion_type": {assertionType}, "client_assertion": {assertion}}.Encode()
			_, err = send(ctx, c, http.MethodPost, u, form, body, "", 200)
			return err
		}, nil
	}
}
