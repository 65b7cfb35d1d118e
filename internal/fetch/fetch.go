package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/registrar-dev/registrar/internal/clock"
)

// Defaults of a Config left zero.
const (
	DefaultBudget  = 5 * time.Second
	DefaultMaxBody = 256 << 10
	// DefaultCacheFor is how long an answer without Cache-Control max-age
	// is kept.
	DefaultCacheFor = 5 * time.Minute
	// MinCacheFor and MaxCacheFor bound what Cache-Control may ask: a
	// stranger's server can neither make Registrar fetch on every request
	// (no-store, max-age=0) nor pin a document for longer than a day.
	MinCacheFor = time.Minute
	MaxCacheFor = 24 * time.Hour
	// RefreshInterval is how often Refresh may go past the cache for one
	// URL: an unknown kid is the client's or the attacker's to send.
	RefreshInterval = time.Minute
	// maxEntries and maxCacheBytes bound the cache; the least recently
	// used entries go first.
	maxEntries    = 1024
	maxCacheBytes = 32 << 20
)

// Resolver finds the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config is how a Fetcher is built. Zero values are the production
// defaults.
type Config struct {
	// AllowPrivateNetworks skips the address check: for tests and for
	// deployments whose clients' servers are on a private network.
	AllowPrivateNetworks bool
	// RootCAs are the CAs a server's certificate must chain to; nil is
	// the system's pool, which honours SSL_CERT_FILE and SSL_CERT_DIR.
	RootCAs *x509.CertPool
	// Resolver looks up host names; nil is net.DefaultResolver.
	Resolver Resolver
	// Clock is the time the cache runs on.
	Clock clock.Source
	// Budget bounds a whole fetch, from the lookup to the last byte.
	Budget time.Duration
	// MaxBody bounds an answer's body; a larger one is an error.
	MaxBody int64
	// Metrics counts fetches; nil counts nothing.
	Metrics *Metrics
}

// Fetcher fetches JSON documents from URLs strangers give, safely.
type Fetcher struct {
	cfg    Config
	client *http.Client
	flight singleflight.Group
	cache  *cache
}

// New builds a Fetcher.
func New(cfg Config) *Fetcher {
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	f := &Fetcher{cfg: cfg, cache: newCache(maxEntries, maxCacheBytes)}
	transport := &http.Transport{
		// No proxy: a proxy would connect on our behalf to an address
		// the check below never sees.
		Proxy:                  nil,
		DialContext:            f.dial,
		TLSClientConfig:        &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 32 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
	}
	f.client = &http.Client{
		Transport: transport,
		// A redirect is answered as an error naming it (see get): a
		// redirect would let a checked URL lead anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f
}

// JSON returns the JSON document at rawURL, from the cache while it is
// fresh. Concurrent calls for one URL share one fetch, and every caller
// gets the same bytes: read them, never modify them. A failure is an
// *Error.
func (f *Fetcher) JSON(ctx context.Context, rawURL string) ([]byte, error) {
	if doc, ok := f.cache.get(rawURL, f.cfg.Clock.Time()); ok {
		f.cfg.Metrics.cacheHit()
		return doc, nil
	}
	return f.fetchShared(ctx, rawURL)
}

// Refresh fetches rawURL again, past the cache, unless it was fetched
// less than RefreshInterval ago: then it returns the cached document.
// It is for a document that lacks what the caller needs (a JWKS without
// the kid a signature names), which a stranger can make happen at will.
func (f *Fetcher) Refresh(ctx context.Context, rawURL string) ([]byte, error) {
	if doc, ok := f.cache.recent(rawURL, f.cfg.Clock.Time(), RefreshInterval); ok {
		f.cfg.Metrics.cacheHit()
		return doc, nil
	}
	doc, err := f.fetchShared(ctx, rawURL)
	if err != nil {
		// A failed attempt counts as the minute's too, or a URL that now
		// fails would be fetched on every request naming an unknown kid.
		f.cache.tried(rawURL, f.cfg.Clock.Time())
	}
	return doc, err
}

// fetchShared runs one fetch of rawURL for every caller waiting on it.
// The fetch has its own budget, not the first caller's context, so that
// one caller giving up does not fail the others; each caller still stops
// waiting when its own context ends.
func (f *Fetcher) fetchShared(ctx context.Context, rawURL string) ([]byte, error) {
	ch := f.flight.DoChan(rawURL, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.cfg.Budget)
		defer cancel()
		doc, maxAge, err := f.get(fctx, rawURL)
		f.cfg.Metrics.fetched(err)
		if err != nil {
			return nil, err
		}
		f.cache.put(rawURL, doc, f.cfg.Clock.Time(), maxAge)
		return doc, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]byte), nil
	case <-ctx.Done():
		return nil, &Error{URL: rawURL, Reason: "the request ended before the fetch did", kind: reasonTimeout, err: ctx.Err()}
	}
}

// get fetches rawURL once and returns its body and how long to keep it.
func (f *Fetcher) get(ctx context.Context, rawURL string) ([]byte, time.Duration, error) {
	fail := func(kind, format string, args ...any) ([]byte, time.Duration, error) {
		return nil, 0, &Error{URL: rawURL, Reason: fmt.Sprintf(format, args...), kind: kind}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fail(reasonOther, "must be an https URL without user information")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fail(reasonOther, "not a URL that can be fetched")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, 0, f.transportError(rawURL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fail(reasonRedirect, "answered with a redirect (%d) to %q; redirects are not followed", resp.StatusCode, resp.Header.Get("Location"))
	case resp.StatusCode != http.StatusOK:
		return fail(reasonStatus, "answered %s, not 200 OK", resp.Status)
	}
	if !isJSONMediaType(resp.Header.Get("Content-Type")) {
		return fail(reasonNotJSON, "answered with Content-Type %q, not JSON", resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength > f.cfg.MaxBody {
		return fail(reasonTooLarge, "answer larger than %d bytes", f.cfg.MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBody+1))
	if err == nil {
		// A body the deadline cut short can read as one that ended.
		err = ctx.Err()
	}
	if err != nil {
		return nil, 0, f.transportError(rawURL, err)
	}
	if int64(len(body)) > f.cfg.MaxBody {
		return fail(reasonTooLarge, "answer larger than %d bytes", f.cfg.MaxBody)
	}
	if !json.Valid(body) {
		return fail(reasonNotJSON, "answer is not JSON")
	}
	return body, cacheFor(resp.Header), nil
}

// isJSONMediaType: application/json or any +json type (RFC 6839), which
// includes application/jwk-set+json (RFC 7517 §8.5).
func isJSONMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// cacheFor reads Cache-Control (RFC 9111 §5.2.2): max-age, with no-store
// and no-cache meaning as little as allowed, within MinCacheFor and
// MaxCacheFor; DefaultCacheFor when it says nothing.
func cacheFor(h http.Header) time.Duration {
	d := DefaultCacheFor
	for _, directive := range strings.Split(strings.Join(h.Values("Cache-Control"), ","), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return MinCacheFor
		case "max-age":
			if secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && secs >= 0 {
				d = time.Duration(min(secs, int64(MaxCacheFor/time.Second))) * time.Second
			}
		}
	}
	return min(max(d, MinCacheFor), MaxCacheFor)
}

// dial connects to one of addr's host's addresses, each checked at the
// moment of connecting (control), so that the address connected to is
// the address checked, whatever a resolver answered before.
func (f *Fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = f.cfg.Resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Control: f.control}
	var first error
	for _, ip := range ips {
		conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return nil, first
}

// control runs on the socket about to connect, with the address it will
// connect to.
func (f *Fetcher) control(_, address string, _ syscall.RawConn) error {
	if f.cfg.AllowPrivateNetworks {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("unexpected address %q", address)
	}
	return checkAddress(ap.Addr())
}

// transportError turns a failure to connect or read into an *Error.
func (f *Fetcher) transportError(rawURL string, err error) error {
	e := &Error{URL: rawURL, kind: reasonOther, err: err}
	var refused *refusedError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &refused):
		e.kind, e.Reason = reasonRefusedAddress, refused.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.kind, e.Reason = reasonTimeout, fmt.Sprintf("timed out after %s", f.cfg.Budget)
	case errors.As(err, &certErr):
		e.kind, e.Reason = reasonTLS, "TLS: the server's certificate is not trusted: "+certErr.Err.Error()
	case errors.As(err, &alert), errors.As(err, &recordErr):
		e.kind, e.Reason = reasonTLS, "TLS handshake failed: "+err.Error()
	case errors.As(err, &dnsErr):
		e.Reason = fmt.Sprintf("host %s could not be resolved", dnsErr.Name)
	default:
		e.Reason = "could not be fetched: " + rootCause(err)
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootCause drops url.Error's and net.OpError's wrapping, which repeat
// the URL and the address.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
