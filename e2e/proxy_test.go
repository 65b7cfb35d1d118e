package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestTrustedProxyNamesTheCaller: behind a proxy listed in
// --trusted-proxies, the caller is the address in X-Forwarded-For (audit
// events name it, and login throttling keys on it); a node that trusts no
// proxy ignores the header, which any client can write.
func TestTrustedProxyNamesTheCaller(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"proxy trusted", []string{"--trusted-proxies", "127.0.0.1, 10.0.0.0/8"}, "198.51.100.7"},
		{"no proxy trusted", nil, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, nodeOpts{Args: tc.args})
			r := post(t, n.Base+"/default/oauth2/register", "application/json", `{"grant_types":["client_credentials"]}`,
				"Authorization", "Bearer "+n.iat("default", 1), "X-Forwarded-For", "6.6.6.6, 198.51.100.7")
			if r.Status != 201 {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			var seen []string
			for _, e := range n.auditEvents("default") {
				addr, _ := e["remote_addr"].(string)
				if addr == tc.want { // the address alone, as admin events name it
					return
				}
				seen = append(seen, addr)
			}
			t.Fatalf("no audit event names %q; callers audited: %q", tc.want, seen)
		})
	}
}

func TestTrustedProxiesRefuseAHostName(t *testing.T) {
	n := launchNode(t, nodeOpts{Args: []string{"--trusted-proxies", "proxy.internal"}})
	if err := n.waitExit(10 * time.Second); err == nil {
		t.Fatal("serve started with a host name as a trusted proxy")
	}
	if !strings.Contains(n.Stderr.String(), "trusted_proxies (from --trusted-proxies)") {
		t.Fatalf("the error does not name the flag: %s", n.Stderr)
	}
}
