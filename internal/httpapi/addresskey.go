package httpapi

import "net/netip"

// AddressKey is what a per-address limit counts a caller under: its
// address without the port, or for IPv6 its /64, the block one host or
// site is given (RFC 6177), so that walking through the addresses of
// one's own block does not start afresh. remoteAddr is the request's, as
// trusted_proxies resolved it.
func AddressKey(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Address is the caller's address without the port, as audit events and
// logs name it: one caller, one value, whichever connection it used.
func Address(remoteAddr string) string {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return remoteAddr
}
