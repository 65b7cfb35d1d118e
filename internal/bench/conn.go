package bench

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// connTransport sends every request of one worker on one keep-alive
// connection, written and read in the worker's own goroutine.
//
// The load generator shares the machine with the server, so its cost is
// taken from the figures. http.Transport hands each request to two
// goroutines per connection (a read and a write loop) and back; measured
// here, that made the Go generator three times dearer per request than
// wrk, and the bare ceiling a third of wrk's. Writing and reading in place
// removes those hand-offs.
type connTransport struct {
	addr string // the host the connection goes to
	// via sends the requests for one host to another address, as a load
	// balancer in front of several nodes does; none when zero.
	via  route
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
}

// requestTimeout bounds one exchange, as http.Client.Timeout did.
const requestTimeout = 10 * time.Second

// RoundTrip writes req and parses the answer. The caller must read or
// close the body before the next request, as http.Client users do.
func (t *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	addr := t.via.addressFor(req.URL.Host)
	if t.conn != nil && t.addr != addr {
		t.Close()
	}
	if t.conn == nil {
		if err := t.dial(req, addr); err != nil {
			return nil, err
		}
	}
	resp, err := t.exchange(req)
	if err != nil {
		t.Close()
		return nil, err
	}
	resp.Body = &drainOnClose{ReadCloser: resp.Body, t: t, last: resp.Close}
	return resp, nil
}

// dial connects to addr for req: over TLS for https, with the
// configuration the request's context carries (withTLS), the handshake
// done here so that it is not counted in the first exchange's deadline.
func (t *connTransport) dial(req *http.Request, addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	if req.URL.Scheme == "https" {
		cfg := tlsConfigOf(req.Context())
		if cfg == nil {
			c.Close()
			return fmt.Errorf("%s: no TLS configuration for an https request", addr)
		}
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = req.URL.Hostname()
		}
		tc := tls.Client(c, cfg)
		if err := tc.HandshakeContext(req.Context()); err != nil {
			c.Close()
			return err
		}
		c = tc
	}
	t.addr, t.conn, t.br, t.bw = addr, c, bufio.NewReaderSize(c, 16<<10), bufio.NewWriterSize(c, 4<<10)
	return nil
}

func (t *connTransport) exchange(req *http.Request) (*http.Response, error) {
	if err := t.conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return nil, err
	}
	if err := req.Write(t.bw); err != nil {
		return nil, err
	}
	if err := t.bw.Flush(); err != nil {
		return nil, err
	}
	return http.ReadResponse(t.br, req)
}

// Close drops the connection; the next request dials a new one.
func (t *connTransport) Close() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections end ours.
func (t *connTransport) CloseIdleConnections() { t.Close() }

// drainOnClose reads what the caller left of a body, so the connection is
// positioned at the next response, and drops the connection when the
// server said it would close it.
type drainOnClose struct {
	io.ReadCloser
	t    *connTransport
	last bool
}

func (d *drainOnClose) Close() error {
	_, err := io.Copy(io.Discard, d.ReadCloser)
	d.ReadCloser.Close()
	if err != nil || d.last {
		d.t.Close()
	}
	return err
}

// route sends the requests for the host front to the address node; the
// request keeps its URL and Host header, so the node sees the public name
// all nodes share.
type route struct{ front, node string }

func (r route) addressFor(host string) string {
	if r.front != "" && host == r.front {
		return r.node
	}
	return host
}
