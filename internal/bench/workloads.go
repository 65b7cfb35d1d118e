package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// fixture is what the workloads share: the server and its credentials.
type fixture struct {
	t                  *target
	jwtClient, opaqueC credentials
	jwt, opaqueToken   string
	iat, rotatingIAT   string
	policiesIAT        string
	flowClient         string
	signing            *signing
	openBanking        *openBanking
	// rates are the req/s of the workloads run so far, and window the
	// warmup and measured time of one: together they size what a signed
	// workload signs in advance (see presigned).
	rates  map[string]float64
	window time.Duration
	// tls is the TLS server, started by the first TLS workload
	// (tlsFixture).
	tls    *tlsFixture
	tlsErr error
	// tlsWorkspaces are more workspaces of the TLS server (YAML list
	// items): the Open Banking UK one.
	tlsWorkspaces string
	// admin is the admin list workloads' setup, made by the first.
	admin adminSeed
}

// expected is how many requests a workload may send, judged by the rate
// of plain, the counterpart measured before it (a signed workload is not
// faster than its plain counterpart), with a margin and a bound.
func (f *fixture) expected(plain string) int {
	const margin, fallback, most = 1.25, 2000, 150_000 // at most ~80 MiB of bodies
	rate, ok := f.rates[plain]
	if !ok {
		rate = fallback
	}
	return min(int(rate*f.window.Seconds()*margin), most)
}

// workload is one named measurement against the server.
type workload struct {
	name    string
	newStep func(f *fixture) func(worker int) (Step, error)
}

const form = "application/x-www-form-urlencoded"

// registerBody is the metadata of the plain registrations.
const registerBody = `{"client_name":"bench","grant_types":["client_credentials"],"scope":"profile"}`

// templatedRegisterBody is registerBody made from the template "bench",
// which fixes its grant and scope to the values it sends.
const templatedRegisterBody = `{"template":"bench","client_name":"bench","grant_types":["client_credentials"],"scope":"profile"}`

// workloads lists them; adding one is adding an entry.
var workloads = []workload{
	{"cc-jwt", func(f *fixture) func(int) (Step, error) {
		return tokenStep(f.t.base+"/default/oauth2/token", f.jwtClient)
	}},
	{"cc-private-key-jwt", func(f *fixture) func(int) (Step, error) { return f.signing.privateKeyJWTStep(f) }},
	{"cc-opaque", func(f *fixture) func(int) (Step, error) {
		return tokenStep(f.t.base+"/opaque/oauth2/token", f.opaqueC)
	}},
	{"introspect", func(f *fixture) func(int) (Step, error) {
		return introspectStep(f.t.base+"/default/oauth2/introspect", f.jwtClient, f.jwt)
	}},
	{"introspect-opaque", func(f *fixture) func(int) (Step, error) {
		return introspectStep(f.t.base+"/opaque/oauth2/introspect", f.opaqueC, f.opaqueToken)
	}},
	// W1: registrations with a multi-use initial access token, each durable.
	{"register", func(f *fixture) func(int) (Step, error) {
		return registerStep(f.t.base+"/default/oauth2/register", f.iat, registerBody)
	}},
	// As "register", under a workspace whose five policies each judge it,
	// made from a template.
	{"register-policies", func(f *fixture) func(int) (Step, error) {
		return registerStep(f.t.base+"/policies/oauth2/register", f.policiesIAT, templatedRegisterBody)
	}},
	// Registrations with an ES256 software statement in an ES256 signed body.
	{"register-signed", func(f *fixture) func(int) (Step, error) { return f.signing.signedRegisterStep(f) }},
	// W5: RFC 7592 reads where every read rotates the registration token.
	{"manage-read-rotate", func(f *fixture) func(int) (Step, error) {
		return func(int) (Step, error) { return rotatingReadStep(f) }
	}},
	// client_credentials over the TLS server's listener, keep-alive:
	// client_secret_basic, then tls_client_auth (the certificate, its
	// chain checked against the client CA, and the client_id).
	{"cc-basic-tls", func(f *fixture) func(int) (Step, error) { return tlsTokenStep(f, false) }},
	{"cc-tls-client-auth", func(f *fixture) func(int) (Step, error) { return tlsTokenStep(f, true) }},
	// Registrations over the TLS server's listener: as "register", then
	// Open Banking UK's (a PS256 statement in a PS256 signed body, over
	// mutual TLS with the transport certificate checked against the
	// client CA).
	{"register-tls", func(f *fixture) func(int) (Step, error) { return tlsRegisterStep(f) }},
	{"register-obuk", func(f *fixture) func(int) (Step, error) { return f.openBanking.registerStep(f) }},
	// The sign-in workloads come last: their argon2id memory is not part
	// of the RSS figure the others are held to.
	// W4: complete code flows for a user with a session.
	{"code-flow", func(f *fixture) func(int) (Step, error) { return codeFlowStep(f, f.flowClient) }},
	// Logins, each paying for an argon2id verification on purpose.
	{"login", func(f *fixture) func(int) (Step, error) { return loginStep(f, f.flowClient) }},
}

// WorkloadNames are the workloads' names, in the order they run.
func WorkloadNames() []string {
	names := make([]string, len(workloads))
	for i, wl := range workloads {
		names[i] = wl.name
	}
	return names
}

// registerStep registers body at u with the initial access token iat.
func registerStep(u, iat, body string) func(int) (Step, error) {
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			_, err := send(ctx, c, http.MethodPost, u, "application/json", body, "Bearer "+iat, 201)
			return err
		}, nil
	}
}

func tokenStep(u string, cl credentials) func(int) (Step, error) {
	auth := cl.basic()
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			_, err := send(ctx, c, http.MethodPost, u, form, "grant_type=client_credentials&scope=dcr", auth, 200)
			return err
		}, nil
	}
}

func introspectStep(u string, cl credentials, token string) func(int) (Step, error) {
	auth, body := cl.basic(), "token="+url.QueryEscape(token)
	return func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			out, err := send(ctx, c, http.MethodPost, u, form, body, auth, 200)
			if err == nil && string(out) == `{"active":false}` {
				return fmt.Errorf("token introspected inactive")
			}
			return err
		}, nil
	}
}

// rotatingReadStep registers a client for this worker, then reads it with
// the newest registration access token each time.
func rotatingReadStep(f *fixture) (Step, error) {
	reg, err := send(context.Background(), http.DefaultClient, http.MethodPost, f.t.base+"/rotating/oauth2/register", "application/json",
		`{"grant_types":["client_credentials"]}`, "Bearer "+f.rotatingIAT, 201)
	if err != nil {
		return nil, err
	}
	var r struct {
		URI string `json:"registration_client_uri"`
		RAT string `json:"registration_access_token"`
	}
	if err := json.Unmarshal(reg, &r); err != nil {
		return nil, err
	}
	return func(ctx context.Context, c *http.Client) error {
		out, err := send(ctx, c, http.MethodGet, r.URI, "", "", "Bearer "+r.RAT, 200)
		if err != nil {
			return err
		}
		var next struct {
			RAT string `json:"registration_access_token"`
		}
		if err := json.Unmarshal(out, &next); err != nil || next.RAT == "" {
			return fmt.Errorf("read did not rotate the token: %s", out)
		}
		r.RAT = next.RAT
		return nil
	}, nil
}

// prepare makes clients, tokens and initial access tokens before serving,
// then fetches one token of each kind to introspect.
func prepare(t *target, sg *signing, window time.Duration) (*fixture, error) {
	f := &fixture{t: t, signing: sg, rates: map[string]float64{}, window: window}
	var err error
	if f.jwtClient, err = t.createClient("default"); err != nil {
		return nil, err
	}
	if f.opaqueC, err = t.createClient("opaque"); err != nil {
		return nil, err
	}
	if f.iat, err = t.createIAT("default"); err != nil {
		return nil, err
	}
	if f.rotatingIAT, err = t.createIAT("rotating"); err != nil {
		return nil, err
	}
	if f.policiesIAT, err = t.createIAT("policies"); err != nil {
		return nil, err
	}
	if err := t.start(); err != nil {
		return nil, err
	}
	if f.jwt, err = fetchToken(t.base+"/default/oauth2/token", f.jwtClient); err != nil {
		return nil, err
	}
	if f.opaqueToken, err = fetchToken(t.base+"/opaque/oauth2/token", f.opaqueC); err != nil {
		return nil, err
	}
	if err := sg.registerClient(t.base); err != nil {
		return nil, err
	}
	f.flowClient, err = f.flowSetup()
	return f, err
}

func fetchToken(u string, cl credentials) (string, error) {
	out, err := send(context.Background(), http.DefaultClient, http.MethodPost, u, form, "grant_type=client_credentials&scope=dcr", cl.basic(), 200)
	if err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	return tok.AccessToken, json.Unmarshal(out, &tok)
}
