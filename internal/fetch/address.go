package fetch

import (
	"fmt"
	"net/netip"
)

// refusedRange is a block of addresses no fetch may connect to, and why.
type refusedRange struct {
	prefix netip.Prefix
	why    string
}

// refusedRanges are the special-purpose blocks of the IANA IPv4 and IPv6
// registries (RFC 6890) that are not globally reachable, or that reach
// something other than a public server: the host itself, its networks,
// the cloud metadata service, relays and documentation ranges. The
// IPv6 blocks that carry an IPv4 address (mapped, translated, NAT64,
// 6to4) are checked by the address they carry (embeddedIPv4) instead.
var refusedRanges = []refusedRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (\"this network\")"},
	{netip.MustParsePrefix("10.0.0.0/8"), "in a private network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "in the carrier-grade NAT range"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "in a private network"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved for protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay"},
	{netip.MustParsePrefix("192.168.0.0/16"), "in a private network"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved for benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // and the broadcast address

	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address (deprecated)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "in a local NAT64 range"},
	{netip.MustParsePrefix("100::/64"), "reserved for discarding"},
	{netip.MustParsePrefix("2001::/23"), "reserved for protocol assignments (Teredo and others)"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved for documentation"},
	{netip.MustParsePrefix("3fff::/20"), "reserved for documentation"},
	{netip.MustParsePrefix("5f00::/16"), "reserved for segment routing"},
	{netip.MustParsePrefix("fc00::/7"), "in a private network"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// metadataServices are the cloud instance metadata endpoints, named as
// such because reaching one hands out the host's cloud credentials.
var metadataServices = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true, // AWS, GCP, Azure, OpenStack…
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
}

// embeddings are the IPv6 forms that carry an IPv4 address, and where.
var embeddings = []struct {
	prefix netip.Prefix
	offset int // of the IPv4 address's first byte
}{
	{netip.MustParsePrefix("::ffff:0:0/96"), 12},   // IPv4-mapped (RFC 4291 §2.5.5.2)
	{netip.MustParsePrefix("::ffff:0:0:0/96"), 12}, // IPv4-translated (RFC 2765)
	{netip.MustParsePrefix("64:ff9b::/96"), 12},    // NAT64 well-known prefix (RFC 6052)
	{netip.MustParsePrefix("2002::/16"), 2},        // 6to4 (RFC 3056)
}

// checkAddress says why a connection to addr is refused, or nil. An
// IPv6 address that carries an IPv4 address is judged by both, so that
// ::ffff:127.0.0.1 or 64:ff9b::a00:1 cannot reach what 127.0.0.1 or
// 10.0.0.1 would.
func checkAddress(addr netip.Addr) error {
	addr = addr.WithZone("")
	if why := refusal(addr); why != "" {
		return &refusedError{addr: addr, why: why}
	}
	if v4, ok := embeddedIPv4(addr); ok {
		if why := refusal(v4); why != "" {
			return &refusedError{addr: addr, why: fmt.Sprintf("a form of %s, which is %s", v4, why)}
		}
	}
	return nil
}

func refusal(addr netip.Addr) string {
	if metadataServices[addr] {
		return "a cloud metadata service"
	}
	for _, r := range refusedRanges {
		if r.prefix.Contains(addr) {
			return r.why
		}
	}
	return ""
}

func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	if !addr.Is6() {
		return netip.Addr{}, false
	}
	b := addr.As16()
	for _, e := range embeddings {
		if e.prefix.Contains(addr) {
			return netip.AddrFrom4([4]byte(b[e.offset : e.offset+4])), true
		}
	}
	return netip.Addr{}, false
}

// refusedError is a connection the address check stopped.
type refusedError struct {
	addr netip.Addr
	why  string
}

func (e *refusedError) Error() string { return fmt.Sprintf("address %s is %s", e.addr, e.why) }
