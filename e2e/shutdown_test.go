package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDrainsInFlightRequests: a request whose body is still
// arriving when SIGTERM comes is answered in full, new connections are
// refused meanwhile, and the process then exits 0. The slow body makes
// "in flight" deterministic without a slow endpoint.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	n := startNode(t, nodeOpts{})
	id, secret := n.bootstrap()
	conn, rest := startSlowTokenRequest(t, n, "default", id, secret, "dcr")
	time.Sleep(300 * time.Millisecond) // the server has read the headers: the connection is active

	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.Port), time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Error("the listener still accepts connections 5s after SIGTERM")
	}

	if _, err := conn.Write([]byte(rest)); err != nil {
		t.Fatalf("the in-flight connection was closed during the drain: %v", err)
	}
	if status, body := readTokenResponse(t, conn); status != 200 || !strings.Contains(body, "access_token") {
		t.Fatalf("in-flight request during the drain: %d %s", status, body)
	}
	if err := n.waitExit(30 * time.Second); err != nil {
		t.Fatalf("exit after the drain: %v\nstderr:\n%s", err, n.Stderr)
	}
}

// startSlowTokenRequest sends a client_credentials request with only half
// its body, so that it stays in flight; it returns the connection (closed
// at cleanup) and the rest of the body.
func startSlowTokenRequest(t *testing.T, n *node, ws, id, secret, scope string) (net.Conn, string) {
	t.Helper()
	body := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", n.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := fmt.Sprintf("POST /%s/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		ws, n.Port, basicAuth(id, secret), len(body))
	half := len(body) / 2
	if _, err := conn.Write([]byte(head + body[:half])); err != nil {
		t.Fatal(err)
	}
	return conn, body[half:]
}

// readTokenResponse reads the answer to startSlowTokenRequest's request.
func readTokenResponse(t *testing.T, conn net.Conn) (status int, body string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	return resp.StatusCode, b.String()
}
