package bench

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// codeFlowServer answers the three requests of the code-flow workload the
// way Registrar does, and counts the connections still open.
type codeFlowServer struct {
	*httptest.Server
	mu   sync.Mutex
	open map[net.Conn]bool
}

func newCodeFlowServer(t *testing.T) *codeFlowServer {
	t.Helper()
	s := &codeFlowServer{open: map[net.Conn]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /default/oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("session"); err != nil {
			w.Write([]byte(`<form method="post" action="/default/login"><input name="csrf_token" value="c">`))
			return
		}
		http.Redirect(w, r, flowRedirect+"?code=abc&state=s", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /default/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "1", Path: "/"})
		http.Redirect(w, r, flowRedirect+"?code=first&state=s", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /default/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id_token":"i","refresh_token":"r"}`))
	})
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st {
		case http.StateNew:
			s.open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(s.open, c)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *codeFlowServer) openConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// The code-flow workers leave no connection open behind them: neither
// the one each signs in on nor the one its steps run on.
func TestCodeFlowClosesItsConnections(t *testing.T) {
	srv := newCodeFlowServer(t)
	f := &fixture{t: &target{base: srv.URL}}
	r, err := Run(t.Context(), "code-flow", 3, 0, 100*time.Millisecond, codeFlowStep(f, "client"))
	if err != nil || r.Requests == 0 || r.Errors != 0 {
		t.Fatalf("result %+v (%v)", r, err)
	}
	// The server sees a client's close a moment later.
	deadline := time.Now().Add(5 * time.Second)
	for srv.openConns() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.openConns(); n != 0 {
		t.Fatalf("%d connections left open after the workload", n)
	}
}
