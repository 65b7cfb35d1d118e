package bench

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
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
	var softwareJWKS []byte
	var err error
	if s.directory, s.software, softwareJWKS, err = directoryAndSoftware("ES256", "bench-directory-1", "bench-app-1"); err != nil {
		return nil, err
	}
	claims := devtools.Claims{"software_id": benchSoftwareID, "software_version": "1",
		"software_jwks": json.RawMessage(softwareJWKS), "grant_types": []string{"client_credentials"},
		"token_endpoint_auth_method": "private_key_jwt", "token_endpoint_auth_signing_alg": "ES256"}
	s.statement, err = devtools.Statement(s.directory, benchDirectory, claims, time.Now(), 24*time.Hour)
	return s, err
}

// directoryAndSoftware makes a directory's key and a software's, for alg,
// and the software's public JWK Set, which its statement names.
func directoryAndSoftware(alg, directoryKid, softwareKid string) (directory, software devtools.Key, softwareJWKS []byte, err error) {
	if directory, err = devtools.NewKey(alg, directoryKid); err != nil {
		return
	}
	if software, err = devtools.NewKey(alg, softwareKid); err != nil {
		return
	}
	softwareJWKS, err = software.PublicJWKS()
	return
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

// signedRegisterStep registers a client per request, each with its own
// signed body: the plain counterpart is "register".
func (s *signing) signedRegisterStep(f *fixture) func(int) (Step, error) {
	return presignedRegisterStep(f, "register", f.t.base, nil, s.signedRegistration)
}

// presignedRegisterStep registers a client per request at the server at
// base (over TLS with cfg, when set), each with its own signed body of
// reg made before the measurement, as many as plain's rate suggests.
func presignedRegisterStep(f *fixture, plain, base string, cfg *tls.Config, reg func(base string) devtools.Registration) func(int) (Step, error) {
	u := reg(base).Endpoint
	bodies, err := presign(f.expected(plain), func() (string, error) {
		_, body, err := reg(base).Body()
		return string(body), err
	})
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			body, err := bodies.take()
			if err != nil {
				return err
			}
			_, err = send(withTLS(ctx, cfg), c, http.MethodPost, u, "application/jose", body, "", http.StatusCreated)
			return err
		}, err
	}
}

// registerClient registers the private_key_jwt client the token workload
// uses.
func (s *signing) registerClient(base string) error {
	a, err := devtools.Register(context.Background(), http.DefaultClient, s.signedRegistration(base))
	if err != nil {
		return err
	}
	if a.Status != http.StatusCreated {
		return fmt.Errorf("signed registration: %d %s", a.Status, a.Body)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(a.Body, &reg); err != nil {
		return err
	}
	s.clientID = reg.ClientID
	return nil
}

// privateKeyJWTStep asks for client_credentials tokens, each request
// authenticated with its own assertion: the plain counterpart is "cc-jwt"
// (client_secret_basic).
func (s *signing) privateKeyJWTStep(f *fixture) func(int) (Step, error) {
	u := f.t.base + "/signed/oauth2/token"
	forms, err := presign(f.expected("cc-jwt"), func() (string, error) {
		assertion, err := devtools.Assertion(s.software, s.clientID, u, time.Now())
		return url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"},
			"client_assertion_type": {assertionType}, "client_assertion": {assertion}}.Encode(), err
	})
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			body, err := forms.take()
			if err != nil {
				return err
			}
			_, err = send(ctx, c, http.MethodPost, u, form, body, "", http.StatusOK)
			return err
		}, err
	}
}

// presigned hands out requests signed before the measurement: the load
// generator shares the machine with the server (see conn.go), and signing
// while measuring would take CPU from the server that the plain
// counterparts do not. Past the last it signs as it goes.
type presigned struct {
	bodies []string
	next   atomic.Int64
	sign   func() (string, error)
}

// presign signs n requests with sign, on every core.
func presign(n int, sign func() (string, error)) (*presigned, error) {
	p := &presigned{bodies: make([]string, n), sign: sign}
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n && errs[w] == nil; i += workers {
				p.bodies[i], errs[w] = sign()
			}
		}()
	}
	wg.Wait()
	return p, errors.Join(errs...)
}

func (p *presigned) take() (string, error) {
	if i := p.next.Add(1) - 1; i < int64(len(p.bodies)) {
		body := p.bodies[i]
		p.bodies[i] = "" // sent once; let it go
		return body, nil
	}
	return p.sign()
}
