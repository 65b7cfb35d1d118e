package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// comingFromHeading starts the README section whose products
// TestComingFromAnotherProduct runs.
const comingFromHeading = "## Coming from another product"

// productExample is one product of that section: the workspace YAML, the
// commands that send the product's registration request, and the answer
// the README shows ("…" for a value made at registration).
type productExample struct {
	Name                string
	YAML, Shell, Answer string
}

// madeAtRegistration stands, in a README answer, for a value Registrar
// makes (an id, a secret, a time): the member must be there, any value.
const madeAtRegistration = "…"

// readmeProducts reads the section's products: each a ### heading with
// one yaml, one sh and one json block.
func readmeProducts(t *testing.T) []productExample {
	t.Helper()
	var products []productExample
	for _, it := range readmeItems(t, comingFromHeading) {
		switch {
		case strings.HasPrefix(it.Heading, "### "):
			products = append(products, productExample{Name: strings.TrimPrefix(it.Heading, "### ")})
		case it.Heading != "":
			return products // the next section
		case len(products) == 0:
			t.Fatalf("a %s block before the section's first product", it.Lang)
		default:
			p := &products[len(products)-1]
			field := map[string]*string{"yaml": &p.YAML, "sh": &p.Shell, "json": &p.Answer}[it.Lang]
			if field == nil || *field != "" {
				t.Fatalf("%s: an unexpected %s block; each product has one yaml, one sh and one json block", p.Name, it.Lang)
			}
			*field = it.Block
		}
	}
	return products
}

// TestComingFromAnotherProduct runs each product of the README's "Coming
// from another product": the server started with its workspace YAML, the
// product's registration request sent by its commands as the README shows
// them (curl and the CLI), and every answer held to the README's: status
// 201 and each member shown, with its value unless it is "…".
func TestComingFromAnotherProduct(t *testing.T) {
	for _, tool := range []string{"curl", "jq"} {
		_, err := exec.LookPath(tool)
		requireCI(t, err == nil, tool)
	}
	products := readmeProducts(t)
	var names []string
	for _, p := range products {
		names = append(names, p.Name)
	}
	if want := []string{"Cloudentity", "Curity", "SimpleIdServer", "Duende IdentityServer"}; !slices.Equal(names, want) {
		t.Fatalf("the section's products are %q, want %q; update this test", names, want)
	}
	extra := map[string]func(*testing.T, productRun){
		"Cloudentity":           cloudentityAsPrinted,
		"Curity":                curityCodeFlow,
		"SimpleIdServer":        simpleIdServerCodeByDefault,
		"Duende IdentityServer": duendeTokenUntilExpiry,
	}
	for _, p := range products {
		t.Run(p.Name, func(t *testing.T) {
			if p.YAML == "" || p.Shell == "" || p.Answer == "" {
				t.Fatalf("%s lacks its yaml, sh or json block", p.Name)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(p.Answer), &want); err != nil {
				t.Fatalf("the README's answer is not a JSON object: %v\n%s", err, p.Answer)
			}
			n := startNode(t, nodeOpts{YAML: p.YAML})
			// The README's server listens on the default address.
			script := strings.ReplaceAll(p.Shell, "http://127.0.0.1:8080", n.Base)
			answers := readAnswers(t, runShell(t, n.Dir, script))
			if len(answers) == 0 {
				t.Fatal("the commands printed no answer")
			}
			for _, a := range answers {
				wantAnswer(t, a, want)
			}
			if check := extra[p.Name]; check != nil {
				check(t, productRun{Example: p, Node: n, Want: want, Answers: answers})
			}
		})
	}
}

// productRun is a product's example run: its node, the answer the README
// shows and those the commands got, for checks of what the README says
// beside them.
type productRun struct {
	Example productExample
	Node    *node
	Want    map[string]any
	Answers []response
}

// readAnswers parses what `curl -si` printed: one or more HTTP responses,
// head and body, back to back.
func readAnswers(t *testing.T, out string) []response {
	t.Helper()
	var answers []response
	r := bufio.NewReader(strings.NewReader(out))
	for {
		if _, err := r.Peek(1); errors.Is(err, io.EOF) {
			return answers
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("the commands printed no HTTP response where one was expected: %v\n%s", err, out)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("reading an answer's body: %v\n%s", err, out)
		}
		answers = append(answers, response{Status: resp.StatusCode, Header: resp.Header, Body: body})
	}
}

// wantAnswer holds a registration answer to the README's: 201, and every
// member want shows, equal unless want says "…" (then present, not empty).
func wantAnswer(t *testing.T, a response, want map[string]any) {
	t.Helper()
	if a.Status != http.StatusCreated {
		t.Fatalf("registration answered %d, want 201: %s", a.Status, a.Body)
	}
	got := a.JSON(t)
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("the answer lacks %s", k)
		case v == madeAtRegistration:
			if g == nil || g == "" {
				t.Errorf("%s is empty", k)
			}
		case !reflect.DeepEqual(g, v):
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
	if t.Failed() {
		t.Fatalf("the whole answer: %s", a.Body)
	}
}

// cloudentitySeedBody is Cloudentity's example registration body exactly
// as its documentation prints it, with the two typos the README fixes.
const cloudentitySeedBody = ` { "client_name": "Sample web client" "grant_types": [ "authorization_code" ], "response_types": [ "code" ], "redirect_url": [ "https://example.com/callback" ] }`

// cloudentityAsPrinted checks what the README says of Cloudentity's
// printed request. Its body is the README's but for the two typos: not
// JSON as printed (a comma missing), and with the comma still a code flow
// client without redirect URI (redirect_url is no member); neither is
// stored. It sends no token, which is Cloudentity's endpoint with no
// protection set: the README's workspace with mode open takes the fixed
// body without one and answers as the README shows.
func cloudentityAsPrinted(t *testing.T, run productRun) {
	fixed := strings.NewReplacer(`"Sample web client"`, `"Sample web client",`, `"redirect_url"`, `"redirect_uris"`).Replace(cloudentitySeedBody)
	if !strings.Contains(run.Example.Shell, "-d '"+fixed+"'") {
		t.Fatalf("the README's body is no longer Cloudentity's with its two typos fixed:\n%s", fixed)
	}
	n := run.Node
	before := n.clientList("cloudentity")
	token := n.iat("cloudentity", 2)
	wantError(t, n.register("cloudentity", token, cloudentitySeedBody), 400, "invalid_client_metadata")
	withComma := strings.Replace(cloudentitySeedBody, `"Sample web client"`, `"Sample web client",`, 1)
	wantError(t, n.register("cloudentity", token, withComma), 400, "invalid_redirect_uri")
	if after := n.clientList("cloudentity"); after != before {
		t.Fatalf("a refused registration changed the clients:\n%s\n%s", before, after)
	}
	open := strings.Replace(run.Example.YAML, "mode: initial_access_token", "mode: open", 1)
	if open == run.Example.YAML {
		t.Fatal("the README's Cloudentity workspace no longer sets mode: initial_access_token")
	}
	wantAnswer(t, startNode(t, nodeOpts{YAML: open}).register("cloudentity", "", fixed), run.Want)
}

// curityCodeFlow runs the code flow Curity's tutorial runs next with the
// new client: authorize (with PKCE, which Registrar requires), sign in,
// then the code at the token endpoint. The tutorial sends the secret in
// the form, but the client is registered for client_secret_basic, the
// only method the token endpoint then accepts: that is refused, and the
// same exchange with Basic authentication answers tokens.
func curityCodeFlow(t *testing.T, run productRun) {
	n, reg := run.Node, run.Answers[0].JSON(t)
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	if out, err := n.cliInput("correct horse battery\n", "user", "add", "--workspace", "curity", "--username", "carol", "--password-stdin"); err != nil {
		t.Fatal(out)
	}
	const redirect = "https://localhost/callback"
	verifier, challenge := pkce()
	authorize := n.Base + "/curity/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {id}, "scope": {"openid"},
		"redirect_uri": {redirect}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
	f := &flowFixture{n: n, clientID: id, redirect: redirect}
	code := f.signInAt(newAgent(t), authorize, "carol", "correct horse battery").Query().Get("code")
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	inForm := url.Values{"client_id": {id}, "client_secret": {secret}}
	for k, v := range exchange {
		inForm[k] = v
	}
	wantError(t, postForm(t, n.Base+"/curity/oauth2/token", inForm), 401, "invalid_client")
	r := postForm(t, n.Base+"/curity/oauth2/token", exchange, "Authorization", basicAuth(id, secret))
	// No refresh token: the user granted no offline_access (the client
	// may not even ask for it), as the README says.
	if tok := r.JSON(t); r.Status != 200 || tok["id_token"] == nil || tok["refresh_token"] != nil {
		t.Fatalf("the code exchange answered %d %s", r.Status, r.Body)
	}
}

// simpleIdServerCodeByDefault: the client_credentials client got
// response_types ["code"] from the workspace's defaults, as SimpleIdServer
// answers, yet the authorization endpoint gives it no code (it has no
// authorization_code grant to exchange one), and a registration that
// sends "code" with only client_credentials is refused, not stored.
func simpleIdServerCodeByDefault(t *testing.T, run productRun) {
	n, reg := run.Node, run.Answers[0].JSON(t)
	if rt, _ := reg["response_types"].([]any); !reflect.DeepEqual(rt, []any{"code"}) {
		t.Fatalf("response_types %v, want [code] from the workspace's defaults", reg["response_types"])
	}
	_, challenge := pkce()
	authorize := n.Base + "/simpleidserver/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {reg["client_id"].(string)},
		"scope": {"openid"}, "redirect_uri": {"https://tmp.com"}, "state": {"st"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
	if p := newAgent(t).do(http.MethodGet, authorize, nil); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "unauthorized_client") {
		t.Fatalf("authorize: %d %q, want an error page saying unauthorized_client, not the sign-in: %s", p.Status, p.Location, p.Body)
	}
	id, secret := n.createClient("simpleidserver", "--grant-type", "client_credentials", "--scope", "register")
	token := n.clientCredentials("simpleidserver", id, secret, "register")["access_token"].(string)
	before := n.clientList("simpleidserver")
	wantError(t, n.register("simpleidserver", token, `{"grant_types":["client_credentials"],"response_types":["code"]}`), 400, "invalid_client_metadata", "authorization_code")
	if after := n.clientList("simpleidserver"); after != before {
		t.Fatalf("a refused registration changed the clients:\n%s\n%s", before, after)
	}
}

// duendeTokenUntilExpiry: the README's commands registered two clients
// with one token; such a token registers until it expires, and not after.
// Duende's lifetime names come back as ours.
func duendeTokenUntilExpiry(t *testing.T, run productRun) {
	n, answers := run.Node, run.Answers
	if len(answers) != 2 || answers[0].JSON(t)["client_id"] == answers[1].JSON(t)["client_id"] {
		t.Fatalf("one token was to register two clients; got %d answers", len(answers))
	}
	id, secret := n.createClient("duende", "--grant-type", "client_credentials", "--scope", "IdentityServer.Configuration")
	tok := n.clientCredentials("duende", id, secret, "IdentityServer.Configuration")
	token := tok["access_token"].(string)
	body := `{"grant_types":["client_credentials"],"scope":"profile"}`
	for range 2 {
		if r := n.register("duende", token, body); r.Status != http.StatusCreated {
			t.Fatalf("registering with a live token: %d %s", r.Status, r.Body)
		}
	}
	// Duende's lifetime names were taken, and the answers name them ours.
	for _, a := range answers {
		got := a.JSON(t)
		for duende, ours := range map[string]string{"identity_token_lifetime": "id_token_lifetime",
			"absolute_refresh_token_lifetime": "refresh_token_lifetime", "sliding_refresh_token_lifetime": "refresh_token_idle_lifetime"} {
			if _, ok := got[duende]; ok || got[ours] == nil {
				t.Errorf("%s: want it answered as %s only: %s", duende, ours, a.Body)
			}
		}
		if got["authorization_code_lifetime"] == nil {
			t.Errorf("authorization_code_lifetime missing from the answer: %s", a.Body)
		}
	}
	n.advance(time.Duration(tok["expires_in"].(float64))*time.Second + time.Second)
	wantError(t, n.register("duende", token, body), 401, "invalid_token")
}
