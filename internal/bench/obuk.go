package bench

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/devtools"
)

// The register-obuk workload measures an Open Banking UK registration in a
// workspace of that profile ("obuk") on the TLS server: a directory's
// PS256 statement in a PS256-signed body, over mutual TLS with the bench
// client's certificate as the transport certificate, checked against the
// client CA. Its counterpart is "register-tls", on the same listener.

const (
	obukDirectory  = "bench-ob-directory"
	obukSoftwareID = "bench-ob-app"
	obukAudience   = "bench-bank"
)

// openBanking holds the directory's and the software's keys and the
// statement.
type openBanking struct {
	directory, software devtools.Key
	statement           string
}

func newOpenBanking() (*openBanking, error) {
	ob := &openBanking{}
	var softwareJWKS []byte
	var err error
	if ob.directory, ob.software, softwareJWKS, err = directoryAndSoftware("PS256", "bench-ob-directory-1", "bench-ob-app-1"); err != nil {
		return nil, err
	}
	claims := devtools.Claims{"software_id": obukSoftwareID, "software_client_name": "bench TPP",
		"software_jwks": json.RawMessage(softwareJWKS), "software_roles": []string{"AISP"}, "org_id": "bench-org"}
	ob.statement, err = devtools.Statement(ob.directory, obukDirectory, claims, time.Now(), 24*time.Hour)
	return ob, err
}

// workspaceYAML declares the "obuk" workspace: profile openbanking_uk,
// trusting the bench's directory.
func (ob *openBanking) workspaceYAML() (string, error) {
	directoryJWKS, err := ob.directory.PublicJWKS()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`  - name: obuk
    profile: openbanking_uk
    registration:
      audiences: [%s]
      software_statement:
        max_age: 24h
        issuers:
          - issuer: %s
            algs: [PS256]
            jwks: %s
`, obukAudience, obukDirectory, directoryJWKS), nil
}

// registration is one registration request of the workload.
func (ob *openBanking) registration(base string) devtools.Registration {
	return devtools.Registration{
		Endpoint: base + "/obuk/openbankinguk/dcr/v3.3/register",
		Metadata: devtools.Claims{"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "private_key_jwt",
			"scope": "accounts"},
		Statement: ob.statement, SignWith: &ob.software, Iss: obukSoftwareID, Aud: obukAudience,
		Now: time.Now(),
	}
}

// registerStep registers a client per request on the TLS server,
// presenting the client certificate, each with its own signed body made
// before the measurement.
func (ob *openBanking) registerStep(f *fixture) func(int) (Step, error) {
	tf, err := f.tlsFixture()
	if err != nil {
		return func(int) (Step, error) { return nil, err }
	}
	return presignedRegisterStep(f, "register-tls", tf.t.base, tf.config(true), ob.registration)
}
