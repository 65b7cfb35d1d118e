package fetch

import (
	"net/netip"
	"testing"
)

// FuzzCheckAddress: whatever IPv4 address a name resolves to, each IPv6
// spelling that carries it (mapped, translated, NAT64, 6to4) is judged as
// the address itself is: a refused address has no spelling that passes.
func FuzzCheckAddress(f *testing.F) {
	for _, seed := range [][4]byte{{127, 0, 0, 1}, {10, 0, 0, 1}, {169, 254, 169, 254}, {100, 64, 0, 1}, {8, 8, 8, 8}, {0, 0, 0, 0}} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, a, b, c, d byte) {
		v4 := netip.AddrFrom4([4]byte{a, b, c, d})
		if checkAddress(v4) == nil {
			return
		}
		for _, e := range embeddings {
			raw := e.prefix.Addr().As16()
			copy(raw[e.offset:], v4.AsSlice())
			if v6 := netip.AddrFrom16(raw); checkAddress(v6) == nil {
				t.Fatalf("%s is refused but %s passes", v4, v6)
			}
		}
	})
}
