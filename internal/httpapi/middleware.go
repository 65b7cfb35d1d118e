package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const (
	loggerKey ctxKey = iota
	bodyLateKey
	noteKey
)

// requestNote is what a handler learns of a request that its log lines
// should carry: the client, once it is known.
type requestNote struct {
	clientID string
}

// NoteClientID records the client a request is from (or about), for the
// access log line and the error lines of the request.
func NoteClientID(ctx context.Context, id string) {
	if n, ok := ctx.Value(noteKey).(*requestNote); ok && id != "" {
		n.clientID = id
	}
}

// requestClientID is the client a request names: as a handler noted it,
// else as its path (RFC 7592 client URLs) or query (an authorization
// request) names it. A client_id is public; a body is not read here.
func requestClientID(r *http.Request) string {
	if n, ok := r.Context().Value(noteKey).(*requestNote); ok && n.clientID != "" {
		return n.clientID
	}
	if id := r.PathValue("client_id"); id != "" {
		return id
	}
	return r.URL.Query().Get("client_id")
}

// Logger returns the request-scoped logger (with the request id), or the
// default logger outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// Metrics are the HTTP-level Prometheus collectors.
type Metrics struct {
	Requests *prometheus.CounterVec
	Latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "registrar_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "code"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "registrar_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.",
			// Finer below 50 ms, with bounds at the latency targets (20,
			// 30 and 50 ms), so that the share within each reads exactly.
			Buckets: []float64{.0005, .001, .0025, .005, .0075, .01, .015, .02, .03, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.Requests, m.Latency)
	return m
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Instrument wraps next with a request id, a request-scoped logger, panic
// recovery, metrics by route pattern and, if access is set, an access log
// line. The route label is the ServeMux pattern, never the raw path, so
// label cardinality stays bounded whatever strangers request.
func Instrument(next http.Handler, log *slog.Logger, m *Metrics, access bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		w.Header().Set("X-Request-Id", id)
		reqLog := log.With("request_id", id)
		ctx := context.WithValue(r.Context(), loggerKey, reqLog)
		r = r.WithContext(context.WithValue(ctx, noteKey, &requestNote{}))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				reqLog.Error("panic serving request", "panic", p, "path", r.URL.Path)
				if rec.status == 0 {
					WriteJSON(rec, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "internal error"})
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			m.Requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			m.Latency.WithLabelValues(route).Observe(elapsed.Seconds())
			if level := accessLevel(r, rec.status); access && reqLog.Enabled(r.Context(), level) {
				logAccess(reqLog, r, level, rec.status, elapsed)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// probePaths are the health and readiness checks a supervisor asks every
// few seconds (Docker's HEALTHCHECK, a load balancer): at info they would
// bury the requests people look for.
var probePaths = map[string]bool{"/healthz": true, "/readyz": true}

// accessLevel is the level of r's access line: debug for a probe that
// passed, info for every other request (a failing probe included).
func accessLevel(r *http.Request, status int) slog.Level {
	if probePaths[r.URL.Path] && status == http.StatusOK {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// logAccess writes the access log line of r: the path without its query
// (which may carry a code or state), the workspace and client when known.
func logAccess(log *slog.Logger, r *http.Request, level slog.Level, status int, latency time.Duration) {
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.Duration("latency", latency),
	}
	if ws := r.PathValue("ws"); ws != "" {
		attrs = append(attrs, slog.String("workspace", ws))
	}
	if id := requestClientID(r); id != "" {
		attrs = append(attrs, slog.String("client_id", id))
	}
	log.LogAttrs(r.Context(), level, "request", attrs...)
}

// Deadline bounds every request's work, so that a database that hangs
// instead of refusing (a frozen host, a lost network path) ends in a 503
// rather than holding the request, its connection and shutdown forever.
// The budget is for our work: a body still arriving is the client's time
// (the server's ReadTimeout bounds it), so up to MaxFormBytes+1 of it are
// read before the budget starts; a handler refuses anything longer.
func Deadline(next http.Handler, budget time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		late := false
		if r.Body != nil && r.Body != http.NoBody {
			r.Body, late = readAhead(r.Body, MaxFormBytes+1)
		}
		ctx, cancel := context.WithTimeout(r.Context(), budget)
		defer cancel()
		if late {
			ctx = context.WithValue(ctx, bodyLateKey, true)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// readAhead reads up to n bytes of body now and returns a body that
// yields them, then the rest, then any error the early read met; late
// tells that the error was the server's read timeout.
func readAhead(body io.ReadCloser, n int64) (_ io.ReadCloser, late bool) {
	head, err := io.ReadAll(io.LimitReader(body, n))
	rest := io.Reader(body)
	if err != nil {
		rest = errReader{err}
		var ne net.Error
		late = errors.As(err, &ne) && ne.Timeout()
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), body}, late
}

// bodyLate reports that r's body did not arrive within the server's read
// timeout. net/http then cancels the request's context, so whatever the
// handler fails with, the failure is the client's slowness.
func bodyLate(r *http.Request) bool {
	late, _ := r.Context().Value(bodyLateKey).(bool)
	return late
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// requestID keeps a caller's X-Request-Id when it is short and printable,
// so traces join up across proxies; otherwise it makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && printable(id) {
		return id
	}
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
