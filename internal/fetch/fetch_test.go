package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/registrar-dev/registrar/internal/clock"
)

// resolverFunc is a Resolver the test writes.
type resolverFunc func(host string) ([]netip.Addr, error)

func (r resolverFunc) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return r(host)
}

// fakeClock is a time the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// jsonServer is a local TLS server answering with handler, counting
// requests.
type jsonServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newServer(tb testing.TB, handler http.HandlerFunc) *jsonServer {
	tb.Helper()
	s := &jsonServer{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		handler(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

func serveJSON(body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Write([]byte(body))
	}
}

type fixture struct {
	f       *Fetcher
	clock   *fakeClock
	metrics *Metrics
}

// newFetcher builds a Fetcher trusting srv's CA; private networks are
// allowed (the server is on loopback) unless cfg says otherwise through
// mod.
func newFetcher(tb testing.TB, srv *jsonServer, mod func(*Config)) fixture {
	tb.Helper()
	fc := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := NewMetrics(prometheus.NewRegistry())
	cfg := Config{AllowPrivateNetworks: true, Clock: clock.Source{Now: fc.Now}, Budget: 500 * time.Millisecond, Metrics: m}
	if srv != nil {
		cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	}
	if mod != nil {
		mod(&cfg)
	}
	return fixture{f: New(cfg), clock: fc, metrics: m}
}

// fetchError fetches url and returns the *Error it must fail with.
func fetchError(tb testing.TB, f *Fetcher, url string) *Error {
	tb.Helper()
	doc, err := f.JSON(context.Background(), url)
	var fe *Error
	if !errors.As(err, &fe) {
		tb.Fatalf("JSON(%s) = %q, %v; want a *fetch.Error", url, doc, err)
	}
	return fe
}

func TestRefusedAddressClasses(t *testing.T) {
	refused := []struct{ host, why string }{
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"[::1]", "loopback"},
		{"10.0.0.1", "private network"},
		{"172.16.5.4", "private network"},
		{"192.168.1.1", "private network"},
		{"[fc00::1]", "private network"},
		{"[fd12:3456::1]", "private network"},
		{"169.254.169.254", "cloud metadata"},
		{"[fd00:ec2::254]", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"[fe80::1]", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"224.0.0.1", "multicast"},
		{"[ff02::1]", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"[::]", "unspecified"},
		{"255.255.255.255", "reserved"},
		{"192.0.2.1", "documentation"},
		{"[2001:db8::1]", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"[::ffff:127.0.0.1]", "loopback"},
		{"[::ffff:10.0.0.1]", "private network"},
		{"[::ffff:169.254.169.254]", "cloud metadata"},
		{"[::ffff:0:a00:1]", "private network"},    // IPv4-translated 10.0.0.1
		{"[64:ff9b::7f00:1]", "loopback"},          // NAT64 of 127.0.0.1
		{"[64:ff9b::a9fe:a9fe]", "cloud metadata"}, // NAT64 of 169.254.169.254
		{"[2002:a00:1::1]", "private network"},     // 6to4 of 10.0.0.1
		{"[::7f00:1]", "IPv4-compatible"},
		{"[2001::1]", "Teredo"},
	}
	fx := newFetcher(t, nil, func(c *Config) { c.AllowPrivateNetworks = false })
	for _, tc := range refused {
		t.Run(tc.host, func(t *testing.T) {
			start := time.Now()
			fe := fetchError(t, fx.f, "https://"+tc.host+"/jwks")
			if fe.kind != reasonRefusedAddress || !strings.Contains(fe.Reason, tc.why) || !strings.HasPrefix(fe.Reason, "address ") {
				t.Fatalf("reason %q (%s); want a refused address that is %s", fe.Reason, fe.kind, tc.why)
			}
			if time.Since(start) > time.Second {
				t.Fatalf("took %v to refuse", time.Since(start))
			}
		})
	}
	if got := testutil.ToFloat64(fx.metrics.Failures.WithLabelValues(reasonRefusedAddress)); got != float64(len(refused)) {
		t.Fatalf("refused_address failures = %v, want %d", got, len(refused))
	}
	for _, ok := range []string{"8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "100.63.255.255", "172.32.0.1"} {
		if err := checkAddress(netip.MustParseAddr(ok)); err != nil {
			t.Errorf("checkAddress(%s) = %v; want nil, it is public", ok, err)
		}
	}
}

// TestEmbeddedIPv4RefusalReads: the reason for an IPv6 form of a refused
// IPv4 address reads as a sentence after "jwks_uri: ".
func TestEmbeddedIPv4RefusalReads(t *testing.T) {
	err := checkAddress(netip.MustParseAddr("64:ff9b::a9fe:a9fe"))
	want := "address 64:ff9b::a9fe:a9fe is a form of 169.254.169.254, which is a cloud metadata service"
	if err == nil || err.Error() != want {
		t.Fatalf("checkAddress = %v; want %q", err, want)
	}
}

func TestNameResolvingToPrivateAddressIsRefused(t *testing.T) {
	srv := newServer(t, serveJSON(`{"keys":[]}`))
	resolver := resolverFunc(func(string) ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil })
	fx := newFetcher(t, srv, func(c *Config) { c.AllowPrivateNetworks, c.Resolver = false, resolver })
	fe := fetchError(t, fx.f, "https://example.com:"+srv.URL[strings.LastIndex(srv.URL, ":")+1:]+"/jwks")
	if fe.Reason != "address 127.0.0.1 is loopback" {
		t.Fatalf("reason %q", fe.Reason)
	}
	if srv.hits.Load() != 0 {
		t.Fatal("the server was reached")
	}
}

// A resolver that answers a public address to whoever asks first (a
// validator checking the name) and the private one afterwards: the check
// that counts is the one on the connection itself.
func TestDNSRebindingIsRefusedAtConnect(t *testing.T) {
	srv := newServer(t, serveJSON(`{"keys":[]}`))
	var lookups atomic.Int64
	rebinding := resolverFunc(func(string) ([]netip.Addr, error) {
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	url := "https://example.com:" + port + "/jwks"

	fx := newFetcher(t, srv, func(c *Config) { c.AllowPrivateNetworks, c.Resolver = false, rebinding })
	first, _ := rebinding.LookupNetIP(context.Background(), "ip", "example.com")
	if err := checkAddress(first[0]); err != nil {
		t.Fatalf("the first answer should pass a check: %v", err)
	}
	fe := fetchError(t, fx.f, url)
	if fe.kind != reasonRefusedAddress || !strings.Contains(fe.Reason, "127.0.0.1") {
		t.Fatalf("reason %q (%s); want 127.0.0.1 refused", fe.Reason, fe.kind)
	}
	if srv.hits.Load() != 0 {
		t.Fatal("the rebound name reached the server")
	}
	// The control hook itself refuses whatever address a socket is about
	// to connect to.
	if err := fx.f.control("tcp4", "127.0.0.1:443", nil); err == nil {
		t.Fatal("control let 127.0.0.1 through")
	}
	// And the same resolver, allowed private networks, does connect: the
	// name really was resolved at dial time.
	open := newFetcher(t, srv, func(c *Config) { c.Resolver = rebinding })
	if _, err := open.f.JSON(context.Background(), url); err != nil {
		t.Fatal(err)
	}
}

func TestAnswersRefused(t *testing.T) {
	big := strings.Repeat(" ", 10<<20) + "{}"
	// release ends a hanging handler once its subtest's fetch has given
	// up. A handler that waited on the request's context instead once
	// answered an empty 200 within the budget on a loaded machine (read as
	// "not JSON"); what is tested is the fetch's budget, so nothing but
	// the test may end the hang.
	var release chan struct{}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		kind    string
		reason  string
	}{
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://127.0.0.1/elsewhere", http.StatusFound)
		}, reasonRedirect, `redirect (302) to "https://127.0.0.1/elsewhere"`},
		{"permanent redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/other", http.StatusPermanentRedirect)
		}, reasonRedirect, "redirects are not followed"},
		{"10 MB with length", serveJSON(big), reasonTooLarge, "larger than 262144 bytes"},
		{"10 MB chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < 10<<10; i++ {
				w.Write([]byte(strings.Repeat(" ", 1024)))
				w.(http.Flusher).Flush()
			}
		}, reasonTooLarge, "larger than 262144 bytes"},
		{"garbage", serveJSON("\x00\x01garbage{"), reasonNotJSON, "not JSON"},
		{"html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`{"keys":[]}`))
		}, reasonNotJSON, `Content-Type "text/html"`},
		{"no content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			w.Write([]byte(`{"keys":[]}`))
		}, reasonNotJSON, "not JSON"},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, reasonStatus, "404"},
		{"hang before answering", func(w http.ResponseWriter, r *http.Request) {
			<-release
		}, reasonTimeout, "timed out after 500ms"},
		{"hang in the body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"keys":`))
			w.(http.Flusher).Flush()
			<-release
		}, reasonTimeout, "timed out after 500ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release = make(chan struct{})
			srv := newServer(t, tc.handler)
			fx := newFetcher(t, srv, nil)
			start := time.Now()
			fe := fetchError(t, fx.f, srv.URL+"/doc")
			close(release)
			if fe.kind != tc.kind || !strings.Contains(fe.Reason, tc.reason) {
				t.Fatalf("reason %q (%s); want %s: %q", fe.Reason, fe.kind, tc.kind, tc.reason)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("took %v; the budget is 500ms", took)
			}
			if got := testutil.ToFloat64(fx.metrics.Failures.WithLabelValues(tc.kind)); got != 1 {
				t.Fatalf("%s failures = %v, want 1", tc.kind, got)
			}
		})
	}
}

func TestJSONMediaTypes(t *testing.T) {
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/jwk-set+json", "application/problem+json"} {
		srv := newServer(t, serveJSON(`["https://a.example/cb"]`, "Content-Type", ct))
		fx := newFetcher(t, srv, nil)
		if doc, err := fx.f.JSON(context.Background(), srv.URL); err != nil || string(doc) != `["https://a.example/cb"]` {
			t.Errorf("%s: %q, %v", ct, doc, err)
		}
	}
}

func TestOnlyTrustedHTTPS(t *testing.T) {
	srv := newServer(t, serveJSON(`{}`))
	// A handshake under -race on a loaded machine can outlast the tests'
	// usual 500 ms budget, which would read as a timeout.
	untrusting := newFetcher(t, srv, func(c *Config) { c.RootCAs = nil; c.Budget = 10 * time.Second })
	if fe := fetchError(t, untrusting.f, srv.URL); fe.kind != reasonTLS || !strings.Contains(fe.Reason, "certificate") {
		t.Fatalf("untrusted certificate: %q (%s)", fe.Reason, fe.kind)
	}
	fx := newFetcher(t, srv, nil)
	for _, url := range []string{"http://" + srv.Listener.Addr().String(), "https://user:pw@" + srv.Listener.Addr().String(), "ftp://x.example/", "not a url"} {
		if fe := fetchError(t, fx.f, url); !strings.Contains(fe.Reason, "https") {
			t.Errorf("%s: %q", url, fe.Reason)
		}
	}
	if srv.hits.Load() != 0 {
		t.Fatal("a refused URL reached the server")
	}
}

func TestCacheHonoursMaxAgeWithinBounds(t *testing.T) {
	tests := []struct {
		cacheControl string
		fresh        time.Duration // still served from the cache just before
	}{
		{"max-age=120", 120 * time.Second},
		{"public, max-age=3600", time.Hour},
		{"max-age=5", MinCacheFor},
		{"max-age=0", MinCacheFor},
		{"no-store", MinCacheFor},
		{"max-age=31536000", MaxCacheFor},
		{"", DefaultCacheFor},
	}
	for _, tc := range tests {
		t.Run(tc.cacheControl, func(t *testing.T) {
			srv := newServer(t, serveJSON(`{"keys":[]}`, "Cache-Control", tc.cacheControl))
			fx := newFetcher(t, srv, nil)
			ctx := context.Background()
			for range 3 {
				if _, err := fx.f.JSON(ctx, srv.URL); err != nil {
					t.Fatal(err)
				}
			}
			fx.clock.advance(tc.fresh - time.Second)
			fx.f.JSON(ctx, srv.URL)
			if got := srv.hits.Load(); got != 1 {
				t.Fatalf("%d upstream fetches within %v; want 1", got, tc.fresh)
			}
			fx.clock.advance(time.Second)
			fx.f.JSON(ctx, srv.URL)
			if got := srv.hits.Load(); got != 2 {
				t.Fatalf("%d upstream fetches after %v; want 2", got, tc.fresh)
			}
			if hits := testutil.ToFloat64(fx.metrics.CacheHits); hits != 3 {
				t.Fatalf("cache hits = %v, want 3", hits)
			}
		})
	}
}

func TestFailuresAreNotCached(t *testing.T) {
	var broken atomic.Bool
	broken.Store(true)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		serveJSON(`{}`)(w, r)
	})
	fx := newFetcher(t, srv, nil)
	fetchError(t, fx.f, srv.URL)
	broken.Store(false)
	if _, err := fx.f.JSON(context.Background(), srv.URL); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentFetchesOfOneURLAreCoalesced(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		serveJSON(`{"keys":[]}`)(w, r)
	})
	fx := newFetcher(t, srv, func(c *Config) { c.Budget = 5 * time.Second })
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := fx.f.JSON(context.Background(), srv.URL)
			errs <- err
		})
	}
	<-entered
	time.Sleep(200 * time.Millisecond) // for every caller to join the flight
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("%d upstream fetches for %d concurrent calls; want 1", got, n)
	}
}

func TestRefreshAtMostOnceAMinute(t *testing.T) {
	srv := newServer(t, serveJSON(`{"keys":[]}`, "Cache-Control", "max-age=3600"))
	fx := newFetcher(t, srv, nil)
	ctx := context.Background()
	if _, err := fx.f.JSON(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := fx.f.Refresh(ctx, srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("%d upstream fetches after refreshes within a minute of the fetch; want 1", got)
	}
	fx.clock.advance(RefreshInterval)
	for range 5 {
		fx.f.Refresh(ctx, srv.URL)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("%d upstream fetches after a minute; want 2", got)
	}
	// A refresh with nothing cached fetches.
	other := newFetcher(t, srv, nil)
	other.f.Refresh(ctx, srv.URL)
	if got := srv.hits.Load(); got != 3 {
		t.Fatalf("%d upstream fetches; want 3", got)
	}
}

func TestCallerGivingUpDoesNotFailOthers(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		serveJSON(`{}`)(w, r)
	})
	fx := newFetcher(t, srv, func(c *Config) { c.Budget = 5 * time.Second })
	impatient, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := fx.f.JSON(impatient, srv.URL); done <- err }()
	time.Sleep(50 * time.Millisecond)
	patient := make(chan error)
	go func() { _, err := fx.f.JSON(context.Background(), srv.URL); patient <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the cancelled caller got a document")
	}
	close(release)
	if err := <-patient; err != nil {
		t.Fatalf("the patient caller failed: %v", err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := newCache(2, 10)
	now := time.Now()
	c.put("a", []byte("1"), now, time.Hour)
	c.put("b", []byte("2"), now, time.Hour)
	c.get("a", now) // a is now the most recently used
	c.put("c", []byte("3"), now, time.Hour)
	if _, ok := c.get("b", now); ok {
		t.Fatal("the least recently used entry was kept past the entry bound")
	}
	c.put("d", []byte("0123456789"), now, time.Hour)
	if _, ok := c.get("a", now); ok || c.bytes > 10 {
		t.Fatalf("bytes = %d; the byte bound was not kept", c.bytes)
	}
}

func TestErrorReadsAfterAFieldName(t *testing.T) {
	fx := newFetcher(t, nil, func(c *Config) { c.AllowPrivateNetworks = false })
	_, err := fx.f.JSON(context.Background(), "https://10.0.0.1/jwks")
	if got := "jwks_uri: " + err.Error(); got != "jwks_uri: address 10.0.0.1 is in a private network" {
		t.Fatal(got)
	}
}

// A proxy would connect on the fetcher's behalf to an address the
// connect-time check never sees, so none is used, whatever the
// environment says.
func TestNoProxy(t *testing.T) {
	fx := newFetcher(t, nil, nil)
	if fx.f.client.Transport.(*http.Transport).Proxy != nil {
		t.Fatal("the fetcher's transport uses a proxy")
	}
}

// A refresh that fails still counts as the minute's: a stranger who sends
// unknown kids for a jwks_uri that now fails must not get a fetch per
// request.
func TestFailedRefreshAtMostOnceAMinute(t *testing.T) {
	var broken atomic.Bool
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		serveJSON(`{"keys":[]}`, "Cache-Control", "max-age=3600")(w, r)
	})
	fx := newFetcher(t, srv, nil)
	ctx := context.Background()
	if _, err := fx.f.JSON(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	fx.clock.advance(RefreshInterval)
	broken.Store(true)
	if _, err := fx.f.Refresh(ctx, srv.URL); err == nil {
		t.Fatal("a failed refresh reported no error")
	}
	for range 5 {
		if doc, err := fx.f.Refresh(ctx, srv.URL); err != nil || string(doc) != `{"keys":[]}` {
			t.Fatalf("refresh within the minute of a failed one: %q, %v; want the cached document", doc, err)
		}
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("%d upstream fetches; want 2 (the fetch, one failed refresh)", got)
	}
	fx.clock.advance(RefreshInterval)
	fx.f.Refresh(ctx, srv.URL)
	if got := srv.hits.Load(); got != 3 {
		t.Fatalf("%d upstream fetches a minute later; want 3", got)
	}
}
