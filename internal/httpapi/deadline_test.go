package httpapi

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDeadlineStartsAfterTheBody: the budget is for the server's work, so
// a body that arrives slowly does not use it up; the handler still reads
// every byte, and the budget then bounds what it does.
func TestDeadlineStartsAfterTheBody(t *testing.T) {
	const budget = 300 * time.Millisecond
	type seen struct {
		body string
		left time.Duration
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(Deadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		deadline, _ := r.Context().Deadline()
		got <- seen{string(b), time.Until(deadline)}
	}), budget))
	defer srv.Close()

	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("grant_type="))
		time.Sleep(2 * budget) // the client takes longer than the budget
		pw.Write([]byte("client_credentials"))
		pw.Close()
	}()
	resp, err := http.Post(srv.URL, "application/x-www-form-urlencoded", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if s.body != "grant_type=client_credentials" {
		t.Fatalf("the handler read %q", s.body)
	}
	if s.left < budget/2 {
		t.Fatalf("%v of the %v budget left after a slow body; the body's time was counted", s.left, budget)
	}

	// Beyond what is read ahead the handler still gets every byte.
	long := strings.Repeat("a", MaxFormBytes+100)
	resp, err = http.Post(srv.URL, "text/plain", strings.NewReader(long))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; len(s.body) != len(long) {
		t.Fatalf("a body of %d bytes reached the handler as %d", len(long), len(s.body))
	}
}

// TestLateBodyIsARequestTimeout: a body that has not arrived when the
// server's ReadTimeout passes is answered 408 invalid_request when the
// handler fails for want of it: net/http cancels the request's context,
// and the 499 "client left" that would otherwise follow is no status to
// send to a client that is still there. A failure of ours stays a 500.
func TestLateBodyIsARequestTimeout(t *testing.T) {
	cases := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantCode   string
	}{
		{"reads the form", func(w http.ResponseWriter, r *http.Request) {
			_, err := ParseForm(w, r)
			WriteError(w, r, err)
		}, http.StatusRequestTimeout, "invalid_request"},
		{"uses its context first", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // a store call with the cancelled context
			WriteError(w, r, r.Context().Err())
		}, http.StatusRequestTimeout, "invalid_request"},
		{"fails on its own", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			WriteError(w, r, errors.New("a bug of ours"))
		}, http.StatusInternalServerError, "server_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := lateBodyAnswer(t, tc.handler)
			if status != tc.wantStatus || body["error"] != tc.wantCode || body["error_description"] == "" {
				t.Fatalf("a late body: %d %v; want %d %s", status, body, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

// lateBodyAnswer sends h, behind Deadline on a server with a 300 ms
// ReadTimeout, a request whose body never arrives, and reads the answer.
func lateBodyAnswer(t *testing.T, h http.Handler) (int, map[string]string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(Deadline(h, time.Minute))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\ngrant_type=")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}
