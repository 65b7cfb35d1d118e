package e2e

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fetchBudget is the fetcher's time budget, with room for a loaded machine.
const fetchBudget = 5*time.Second + 3*time.Second

// documentServer is a local TLS server answering each path with its
// handler, and the file of its CA certificate, for SSL_CERT_FILE.
func documentServer(t testing.TB, routes map[string]http.HandlerFunc) (*httptest.Server, string) {
	t.Helper()
	mux := http.NewServeMux()
	for path, h := range routes {
		mux.HandleFunc(path, h)
	}
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

func answerJSON(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write([]byte(body))
	}
}

// registerWithin registers body and fails unless the answer came within
// the fetcher's budget.
func (n *node) registerWithin(token, body string) response {
	n.t.Helper()
	start := time.Now()
	r := n.register("default", token, body)
	if took := time.Since(start); took > fetchBudget {
		n.t.Fatalf("registration took %v; the fetch budget is 5s", took)
	}
	return r
}

// TestFetchRefusesPrivateAddresses: with the switch off (the default), a
// jwks_uri or sector_identifier_uri that leads into the host's networks
// is a 400 naming the address and why, at once, and stores nothing; on
// update too.
func TestFetchRefusesPrivateAddresses(t *testing.T) {
	srv, _ := documentServer(t, map[string]http.HandlerFunc{"/jwks": answerJSON("application/json", `{"keys":[]}`)})
	n := startNode(t, nodeOpts{YAML: unlimited})
	token := n.iat("default", 20)
	before := n.clientCount("default")
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cases := []struct{ uri, mention string }{
		{srv.URL + "/jwks", "address 127.0.0.1 is loopback"},
		{"https://10.0.0.1/jwks", "address 10.0.0.1 is in a private network"},
		{"https://169.254.169.254/latest/meta-data", "address 169.254.169.254 is a cloud metadata service"},
		{"https://[::ffff:127.0.0.1]:" + port + "/jwks", "127.0.0.1"},
		{"https://localhost:" + port + "/jwks", "is loopback"},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			n := n.with(t)
			r := n.registerWithin(token, `{"redirect_uris":["https://a.example/cb"],"jwks_uri":"`+tc.uri+`"}`)
			wantError(t, r, 400, "invalid_client_metadata", "jwks_uri: ", tc.mention)
			r = n.registerWithin(token, `{"redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"`+tc.uri+`"}`)
			wantError(t, r, 400, "invalid_client_metadata", "sector_identifier_uri: ", tc.mention)
		})
	}
	if after := n.clientCount("default"); after != before {
		t.Fatalf("%d clients stored by refused registrations", after-before)
	}
	if failures := n.metricSum(`registrar_fetch_failures_total{reason="refused_address"}`); failures != float64(2*len(cases)) {
		t.Errorf("refused_address failures = %v, want %d", failures, 2*len(cases))
	}

	// An update is held to the same rule, and leaves the client as it was.
	reg := n.mustRegister("default", token, `{"redirect_uris":["https://a.example/cb"]}`)
	uri, rat := reg["registration_client_uri"].(string), reg["registration_access_token"].(string)
	r := send(t, http.MethodPut, uri, rat, fmt.Sprintf(`{"client_id":%q,"redirect_uris":["https://a.example/cb"],"jwks_uri":"https://10.0.0.1/jwks"}`, reg["client_id"]))
	wantError(t, r, 400, "invalid_client_metadata", "jwks_uri: address 10.0.0.1 is in a private network")
	if r := send(t, http.MethodGet, uri, rat, ""); r.Status != 200 || r.JSON(t)["jwks_uri"] != nil {
		t.Fatalf("after a refused update: %d %s", r.Status, r.Body)
	}
}

// TestFetchPrivateNetworksSwitch: with fetch.allow_private_networks on
// and the local server's CA trusted through SSL_CERT_FILE, a jwks_uri
// and a sector document on loopback are fetched and checked; what is
// wrong with an answer is a 400 naming it.
func TestFetchPrivateNetworksSwitch(t *testing.T) {
	keys, _ := json.Marshal(map[string]any{"keys": []any{ecJWK(t, "k1")}})
	big := strings.Repeat(" ", 10<<20) + "{}"
	srv, caFile := documentServer(t, map[string]http.HandlerFunc{
		"/jwks":        answerJSON("application/jwk-set+json", string(keys)),
		"/sector":      answerJSON("application/json", `["https://a.example/cb","https://b.example/cb"]`),
		"/sector-some": answerJSON("application/json", `["https://b.example/cb"]`),
		"/redirect":    func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/jwks", http.StatusFound) },
		"/big":         answerJSON("application/json", big),
		"/garbage":     answerJSON("application/json", "<html>not json"),
		"/html":        answerJSON("text/html", string(keys)),
		"/hang": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		},
	})
	n := startNode(t, nodeOpts{YAML: unlimited + "fetch: {allow_private_networks: true}\n", Env: []string{"SSL_CERT_FILE=" + caFile}})
	if logged := n.Stderr.String() + n.Stdout.String(); !strings.Contains(logged, "allow_private_networks is on") {
		t.Errorf("no warning at start about fetch.allow_private_networks:\n%s", logged)
	}
	token := n.iat("default", 20)

	reg := n.registerWithin(token, `{"redirect_uris":["https://a.example/cb"],"jwks_uri":"`+srv.URL+`/jwks"}`)
	if reg.Status != 201 || reg.JSON(t)["jwks_uri"] != srv.URL+"/jwks" {
		t.Fatalf("register with a jwks_uri: %d %s", reg.Status, reg.Body)
	}
	reg = n.registerWithin(token, `{"redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"`+srv.URL+`/sector"}`)
	if reg.Status != 201 {
		t.Fatalf("register with a sector_identifier_uri: %d %s", reg.Status, reg.Body)
	}

	before := n.clientCount("default")
	refused := []struct{ field, path, mention string }{
		{"sector_identifier_uri", "/sector-some", `does not list the redirect URI "https://a.example/cb"`},
		{"jwks_uri", "/sector", "must be a JWK Set"},
		{"jwks_uri", "/redirect", "redirect (302)"},
		{"jwks_uri", "/big", "larger than 262144 bytes"},
		{"jwks_uri", "/garbage", "not JSON"},
		{"jwks_uri", "/html", "text/html"},
		{"jwks_uri", "/missing", "404"},
		{"jwks_uri", "/hang", "timed out after 5s"},
	}
	for _, tc := range refused {
		t.Run(tc.path, func(t *testing.T) {
			n := n.with(t)
			r := n.registerWithin(token, `{"redirect_uris":["https://a.example/cb"],"`+tc.field+`":"`+srv.URL+tc.path+`"}`)
			wantError(t, r, 400, "invalid_client_metadata", tc.field+": ", tc.mention)
		})
	}
	if after := n.clientCount("default"); after != before {
		t.Fatalf("%d clients stored by refused registrations", after-before)
	}
}
