// Package certfile serves the listener's certificate and the client
// certificate authorities from PEM files, read again when they change, so
// that a renewed certificate or a new CA needs no restart.
package certfile

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// checkEvery bounds how often the files are looked at: a stat per
// handshake would cost more than the handshake's own file-free work, and a
// renewal may take a second to show.
const checkEvery = time.Second

// Set is the listener's certificate and the client CAs, each optional.
type Set struct {
	cert      *watched[*tls.Certificate]
	clientCAs *watched[*x509.CertPool]
}

// Open reads the files named (certFile and keyFile both or neither;
// clientCAFile optional) and fails if any is unreadable or bad: a start
// must not serve without what it was told to serve.
func Open(certFile, keyFile, clientCAFile string, log *slog.Logger) (*Set, error) {
	s := &Set{}
	var err error
	if certFile != "" {
		s.cert, err = watch(log, "tls_cert", func() (*tls.Certificate, error) {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			return &c, err
		}, certFile, keyFile)
		if err != nil {
			return nil, err
		}
	}
	if clientCAFile != "" {
		s.clientCAs, err = watch(log, "client_ca", func() (*x509.CertPool, error) { return loadPool(clientCAFile) }, clientCAFile)
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ServerTLS is the listener's TLS configuration, nil without a
// certificate. It asks for a client certificate but neither requires nor
// verifies one: discovery and the browser pages serve callers without one,
// and each client authentication method checks what it needs (a chain to
// the client CAs, or a key the client registered). No acceptable CAs are
// named in the request, since a self-signed certificate chains to none and
// clients would then withhold it.
func (s *Set) ServerTLS() *tls.Config {
	if s == nil || s.cert == nil {
		return nil
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequestClientCert,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			c, _ := s.cert.get()
			return c, nil
		},
	}
}

// ClientCAs is the pool a tls_client_auth certificate must chain to, nil
// when none is configured, and a generation that changes whenever the
// pool does (for caching what was verified against it).
func (s *Set) ClientCAs() (*x509.CertPool, uint64) {
	if s == nil || s.clientCAs == nil {
		return nil, 0
	}
	return s.clientCAs.get()
}

func loadPool(path string) (*x509.CertPool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// watched is a value loaded from files and loaded again, at most once a
// checkEvery, when their size or modification time changes. A load that
// fails keeps the last good value (and is logged once per change): a
// certificate caught half-written, or replaced by a broken one, must not
// take the listener down.
type watched[T any] struct {
	log   *slog.Logger
	key   string
	paths []string
	load  func() (T, error)

	current   atomic.Pointer[loaded[T]]
	nextCheck atomic.Int64 // unix nanoseconds

	mu     sync.Mutex // one check at a time
	stamps []stamp
}

type loaded[T any] struct {
	value      T
	generation uint64
}

// stamp is what tells a file changed without reading it.
type stamp struct {
	size    int64
	modTime time.Time
}

func watch[T any](log *slog.Logger, key string, load func() (T, error), paths ...string) (*watched[T], error) {
	w := &watched[T]{log: log, key: key, paths: paths, load: load}
	w.stamps = w.stat()
	v, err := load()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	w.current.Store(&loaded[T]{value: v, generation: 1})
	w.nextCheck.Store(time.Now().Add(checkEvery).UnixNano())
	return w, nil
}

func (w *watched[T]) get() (T, uint64) {
	if now := time.Now(); now.UnixNano() >= w.nextCheck.Load() {
		w.refresh(now)
	}
	cur := w.current.Load()
	return cur.value, cur.generation
}

func (w *watched[T]) refresh(now time.Time) {
	if !w.mu.TryLock() {
		return // another caller is checking; the current value serves
	}
	defer w.mu.Unlock()
	w.nextCheck.Store(now.Add(checkEvery).UnixNano())
	stamps := w.stat()
	if equalStamps(stamps, w.stamps) {
		return
	}
	w.stamps = stamps
	v, err := w.load()
	if err != nil {
		w.log.Error("could not reload a changed file; serving the previous one", "key", w.key, "err", err)
		return
	}
	prev := w.current.Load()
	w.current.Store(&loaded[T]{value: v, generation: prev.generation + 1})
	w.log.Info("reloaded a changed file", "key", w.key)
}

// stat stamps each file; a file that cannot be statted gets the zero stamp,
// so that its return counts as a change.
func (w *watched[T]) stat() []stamp {
	out := make([]stamp, len(w.paths))
	for i, p := range w.paths {
		if fi, err := os.Stat(p); err == nil {
			out[i] = stamp{fi.Size(), fi.ModTime()}
		} else if !errors.Is(err, os.ErrNotExist) {
			w.log.Warn("cannot stat a watched file", "key", w.key, "err", err)
		}
	}
	return out
}

func equalStamps(a, b []stamp) bool {
	for i := range a {
		if a[i].size != b[i].size || !a[i].modTime.Equal(b[i].modTime) {
			return false
		}
	}
	return true
}
