package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddress rewrites r.RemoteAddr to the caller's address when the
// request came through trusted proxies (addresses and prefixes of reverse
// proxies whose X-Forwarded-For is believed): the X-Forwarded-For entries
// are read from the right (the nearest hop first) and the first one no
// trusted proxy stands for is the caller. With no proxies it does nothing.
//
// Login throttling and audit events key on the caller's address. Behind a
// proxy every request comes from the proxy: one stranger's failed guesses
// would slow sign-ins for everyone, and audits would name the proxy. A
// client can write any X-Forwarded-For it likes, so the header is read only
// from a trusted peer, and only as far as trusted hops vouch for it.
func ClientAddress(next http.Handler, trusted []netip.Prefix) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if caller, ok := forwardedFor(r, trusted); ok {
			r.RemoteAddr = net.JoinHostPort(caller.String(), "0")
		}
		next.ServeHTTP(w, r)
	})
}

func forwardedFor(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !trusts(trusted, peer.Addr()) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	var caller netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing further left
		}
		caller = a.Unmap()
		if !trusts(trusted, caller) {
			return caller, true
		}
	}
	return caller, caller.IsValid()
}

// trusts reports whether a is one of the trusted proxies.
func trusts(trusted []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
