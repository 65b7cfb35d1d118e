package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose X-Forwarded-For is believed.
//
// Login throttling and audit events key on the caller's address. Behind a
// proxy every request comes from the proxy: one stranger's failed guesses
// would slow sign-ins for everyone, and audits would name the proxy. A
// client can write any X-Forwarded-For it likes, so the header is read only
// from a trusted peer, and only as far as trusted hops vouch for it.
type Proxies []netip.Prefix

// ParseProxies reads addresses and CIDR prefixes ("10.0.0.0/8", "::1").
func ParseProxies(list []string) (Proxies, error) {
	var out Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddress rewrites r.RemoteAddr to the caller's address when the
// request came through trusted proxies: the X-Forwarded-For entries are
// read from the right (the nearest hop first) and the first one no trusted
// proxy stands for is the caller. With no proxies it does nothing.
func ClientAddress(next http.Handler, proxies Proxies) http.Handler {
	if len(proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if caller, ok := forwardedFor(r, proxies); ok {
			r.RemoteAddr = net.JoinHostPort(caller.String(), "0")
		}
		next.ServeHTTP(w, r)
	})
}

func forwardedFor(r *http.Request, proxies Proxies) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !proxies.trusts(peer.Addr()) {
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
		if !proxies.trusts(caller) {
			return caller, true
		}
	}
	return caller, caller.IsValid()
}
