package httpapi

import "testing"

func TestAddressKey(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.1:443":            "192.0.2.1",
		"[::ffff:192.0.2.1]:443":   "192.0.2.1",
		"[2001:db8:1:2::1]:443":    "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::9]:1": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:1":         "fe80::/64",
		"not an address":           "not an address",
	} {
		if got := AddressKey(remote); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", remote, got, want)
		}
	}
}
