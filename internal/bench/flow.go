package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
)

// The W4 workloads drive the browser flow without a browser: a cookie jar,
// the login and consent forms posted as a browser would, no redirects
// followed.

const (
	flowUser     = "bench-user"
	flowPassword = "bench password 1"
	flowRedirect = "http://127.0.0.1:1/cb"
)

var (
	hiddenField = regexp.MustCompile(`name="(csrf_token|request)" value="([^"]*)"`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// flowSetup adds the user and registers a public native client with
// ES256 ID tokens and refresh tokens.
func (f *fixture) flowSetup() (clientID string, err error) {
	cmd := exec.Command(f.t.binary, "user", "add", "--username", flowUser, "--password-stdin")
	cmd.Dir, cmd.Env, cmd.Stdin = f.t.dir, f.t.env(), strings.NewReader(flowPassword+"\n")
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "already exists") {
		return "", fmt.Errorf("user add: %v: %s", err, out)
	}
	out, err := send(context.Background(), http.DefaultClient, http.MethodPost, f.t.base+"/default/oauth2/register", "application/json",
		`{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["`+flowRedirect+`"],
		"grant_types":["authorization_code","refresh_token"],"scope":"openid profile offline_access","id_token_signed_response_alg":"ES256"}`,
		"Bearer "+f.iat, 201)
	if err != nil {
		return "", err
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	return reg.ClientID, json.Unmarshal(out, &reg)
}

var verifier = strings.Repeat("b", 43)

func authorizeURL(base, clientID string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base + "/default/oauth2/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {flowRedirect},
		"scope": {"openid profile offline_access"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}.Encode()
}

// browserish is an http.Client with cookies that does not follow redirects.
func browserish(c *http.Client) *http.Client {
	jar, _ := cookiejar.New(nil)
	return withJar(c, jar)
}

// withJar is c with the cookies of jar, not following redirects.
func withJar(c *http.Client, jar http.CookieJar) *http.Client {
	return &http.Client{Transport: c.Transport, Jar: jar, Timeout: c.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// fetch GETs or POSTs a form and returns status, Location and body.
func fetch(ctx context.Context, c *http.Client, method, u string, form url.Values) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b), err
}

// submitForm posts the page's form with fields added.
func submitForm(ctx context.Context, c *http.Client, base, page string, fields url.Values) (int, string, string, error) {
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		return 0, "", "", errors.New("no form on the page")
	}
	form := url.Values{}
	for _, h := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	return fetch(ctx, c, http.MethodPost, base+html.UnescapeString(m[1]), form)
}

// login signs in through the form and, when asked, consents with
// "remember"; it returns the redirect to the client.
func login(ctx context.Context, c *http.Client, base, clientID string) (string, error) {
	status, _, page, err := fetch(ctx, c, http.MethodGet, authorizeURL(base, clientID), nil)
	if err != nil || status != 200 {
		return "", fmt.Errorf("authorize: %d %v", status, err)
	}
	status, loc, page, err := submitForm(ctx, c, base, page, url.Values{"username": {flowUser}, "password": {flowPassword}})
	if err == nil && status == 200 && strings.Contains(page, `value="allow"`) {
		status, loc, _, err = submitForm(ctx, c, base, page, url.Values{"decision": {"allow"}, "remember": {"1"}})
	}
	if err != nil || status != http.StatusSeeOther {
		return "", fmt.Errorf("login: %d %v", status, err)
	}
	return loc, nil
}

// codeFlowStep: the worker signs in while the workload is set up, so the
// argon2id work is not measured; then each step is a complete flow with
// the session: authorize → code → token exchange. The sign-in has a
// connection of its own, closed once it is done; the steps carry the
// session's cookies over the worker's connection, which Run closes.
func codeFlowStep(f *fixture, clientID string) func(int) (Step, error) {
	return func(int) (Step, error) {
		signIn := browserish(&http.Client{Transport: &connTransport{}})
		defer signIn.CloseIdleConnections()
		if _, err := login(context.Background(), signIn, f.t.base, clientID); err != nil {
			return nil, err
		}
		return func(ctx context.Context, base *http.Client) error {
			c := withJar(base, signIn.Jar)
			status, loc, _, err := fetch(ctx, c, http.MethodGet, authorizeURL(f.t.base, clientID), nil)
			if err != nil || status != http.StatusSeeOther {
				return fmt.Errorf("authorize with a session: %d %v", status, err)
			}
			return exchange(ctx, c, f.t.base, clientID, loc)
		}, nil
	}
}

func exchange(ctx context.Context, c *http.Client, base, clientID, location string) error {
	u, err := url.Parse(location)
	if err != nil || u.Query().Get("code") == "" {
		return fmt.Errorf("no code in %q", location)
	}
	status, _, body, err := fetch(ctx, c, http.MethodPost, base+"/default/oauth2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {flowRedirect},
		"client_id": {clientID}, "code_verifier": {verifier}})
	if err != nil || status != 200 || !strings.Contains(body, "id_token") || !strings.Contains(body, "refresh_token") {
		return fmt.Errorf("token exchange: %d %v %.200s", status, err, body)
	}
	return nil
}

// loginStep: each step is a fresh browser signing in with its password.
func loginStep(f *fixture, clientID string) func(int) (Step, error) {
	return func(int) (Step, error) {
		return func(ctx context.Context, base *http.Client) error {
			_, err := login(ctx, browserish(base), f.t.base, clientID)
			return err
		}, nil
	}
}
