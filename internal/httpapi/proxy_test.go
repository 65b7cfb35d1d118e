package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddressBehindTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct caller, header ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9:5000"},
		{"one trusted proxy", "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"spoofed entries left of the real caller", "10.1.2.3:443", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1:0"},
		{"two trusted hops", "192.0.2.7:443", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1:0"},
		{"header split over lines", "10.1.2.3:443", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1:0"},
		{"only proxies in the header", "10.1.2.3:443", []string{"10.5.5.5"}, "10.5.5.5:0"},
		{"no header", "10.1.2.3:443", nil, "10.1.2.3:443"},
		{"garbage nearest: nothing believed", "10.1.2.3:443", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3:443"},
		{"IPv6 caller", "10.1.2.3:443", []string{"2001:db8::1"}, "[2001:db8::1]:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := ClientAddress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }), proxies)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("RemoteAddr = %q, want %q", got, tc.want)
			}
		})
	}
}
