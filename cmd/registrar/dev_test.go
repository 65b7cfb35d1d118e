package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command in-process and returns stdout and the error.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), err
}

func TestDevKeygenFiles(t *testing.T) {
	dir := t.TempDir()
	key, set := filepath.Join(dir, "key.jwk"), filepath.Join(dir, "jwks.json")
	out, err := runCLI(t, "dev", "keygen", "--alg", "ES256", "--kid", "k1", "--out", key)
	if err != nil {
		t.Fatal(err)
	}
	// With --out and no --jwks, the public JWK Set is what stdout gets.
	var jwks struct{ Keys []map[string]any }
	if err := json.Unmarshal([]byte(out), &jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0]["kid"] != "k1" || jwks.Keys[0]["d"] != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v; want 0600", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(key)
	if _, err := runCLI(t, "dev", "keygen", "--alg", "ES256", "--kid", "k2", "--out", key, "--jwks", set); err == nil {
		t.Fatal("keygen overwrote an existing key file")
	}
	if after, _ := os.ReadFile(key); !bytes.Equal(before, after) {
		t.Fatal("the refused keygen changed the key file")
	}
	// Without --out, the private JWK goes to stdout, the set to --jwks.
	out, err = runCLI(t, "dev", "keygen", "--alg", "EdDSA", "--kid", "k3", "--jwks", set)
	var private map[string]any
	if err != nil || json.Unmarshal([]byte(out), &private) != nil || private["d"] == nil || private["kid"] != "k3" {
		t.Fatalf("stdout %q: %v", out, err)
	}
	if raw, err := os.ReadFile(set); err != nil || !strings.Contains(string(raw), `"k3"`) {
		t.Fatalf("--jwks file: %s %v", raw, err)
	}
}

// answering is a registration endpoint that answers status and body.
func answering(t *testing.T, status int, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDevRegisterPrintsTheRefusalAndFails(t *testing.T) {
	const refusal = `{"error":"invalid_client_metadata","error_description":"redirect_uris: required"}`
	srv := answering(t, 400, refusal)
	out, err := runCLI(t, "dev", "register", "--endpoint", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "invalid_client_metadata") {
		t.Fatalf("a 400 answer: err %v", err)
	}
	if !strings.Contains(out, `"error": "invalid_client_metadata"`) {
		t.Fatalf("the error JSON is not shown: %q", out)
	}
}

func TestDevRegisterSummaryAndJSON(t *testing.T) {
	const answer = `{"client_id":"c1","client_secret":"s1","grant_types":["client_credentials"],"software_statement":"x.y.z"}`
	srv := answering(t, 201, answer)
	out, err := runCLI(t, "dev", "register", "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, "client_id:") || !strings.Contains(out, `["client_credentials"]`) || strings.Contains(out, "x.y.z") {
		t.Fatalf("summary %q: %v", out, err)
	}
	out, err = runCLI(t, "dev", "register", "--endpoint", srv.URL, "--json")
	var m map[string]any
	if err != nil || json.Unmarshal([]byte(out), &m) != nil || m["software_statement"] != "x.y.z" {
		t.Fatalf("--json %q: %v", out, err)
	}
	if _, err := runCLI(t, "dev", "register", "--endpoint", srv.URL, "--iss", "x"); err == nil {
		t.Fatal("--iss without --sign-with was accepted")
	}
}

// TestDevRegisterUpdate: --update PUTs to the client's URL with --token
// as Bearer; --token alone, or with --iat, is refused.
func TestDevRegisterUpdate(t *testing.T) {
	var method, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, auth = r.Method, r.Header.Get("Authorization")
		io.WriteString(w, `{"client_id":"c1"}`)
	}))
	t.Cleanup(srv.Close)
	out, err := runCLI(t, "dev", "register", "--endpoint", srv.URL+"/register/c1", "--update", "--token", "cc-token")
	if err != nil || method != "PUT" || auth != "Bearer cc-token" {
		t.Fatalf("--update: %s with %q, %v", method, auth, err)
	}
	if !strings.HasPrefix(out, "updated:") {
		t.Errorf("--update prints %q; want it headed updated:", out)
	}
	if _, err := runCLI(t, "dev", "register", "--endpoint", srv.URL, "--token", "t"); err == nil {
		t.Fatal("--token without --update was accepted")
	}
	if _, err := runCLI(t, "dev", "register", "--endpoint", srv.URL, "--update", "--iat", "t"); err == nil {
		t.Fatal("--update with --iat was accepted")
	}
}
