package httpapi

import (
	"io"
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
