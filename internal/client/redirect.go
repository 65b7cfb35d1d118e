package client

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// dangerousSchemes can run code or read local files in a user agent.
var dangerousSchemes = []string{"javascript", "data", "file", "vbscript", "about", "blob", "filesystem"}

func checkRedirectURIs(md *Metadata, p Policy) error {
	if md.LacksRedirectURIs() {
		return oautherr.InvalidRedirect("redirect_uris: required for the authorization_code grant")
	}
	return checkURIList("redirect_uris", md.RedirectURIs, md.ApplicationType, p, oautherr.InvalidRedirect)
}

// checkPostLogoutURIs applies the same rules: an unchecked logout redirect
// is an open redirector (RFC 9700 §4.11).
func checkPostLogoutURIs(md *Metadata, p Policy) error {
	return checkURIList("post_logout_redirect_uris", md.PostLogoutRedirectURIs, md.ApplicationType, p, oautherr.InvalidMetadata)
}

func checkURIList(name string, uris []string, appType string, p Policy, mkErr func(string, ...any) *oautherr.Error) error {
	if len(uris) > maxListLen {
		return mkErr("%s: at most %d entries", name, maxListLen)
	}
	for i, raw := range uris {
		if slices.Contains(uris[:i], raw) {
			return mkErr("%s[%d]: %q is listed twice", name, i, raw)
		}
		if err := checkRedirectURI(raw, appType, p); err != nil {
			return mkErr("%s[%d]: %v", name, i, err)
		}
	}
	return nil
}

// checkRedirectURI applies RFC 6749 §3.1.2, RFC 8252 §7 and RFC 9700 §2.1
// to one URI. The registered string is kept exactly as sent, because the
// authorization endpoint compares by exact string (RFC 9700 §4.1.3); so
// forms that normalise to something else are refused here rather than
// left to surprise the client later.
func checkRedirectURI(raw, appType string, p Policy) error {
	u, err := parseRedirectURI(raw)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "https":
		err = checkHTTPSRedirect(raw, u)
	case "http":
		err = checkLoopbackRedirect(raw, u, appType, p)
	default:
		err = checkPrivateUseRedirect(raw, u, appType, p)
	}
	if err != nil {
		return err
	}
	return checkAllowLists(raw, u, p)
}

// parseRedirectURI applies the rules every scheme shares.
func parseRedirectURI(raw string) (*url.URL, error) {
	if raw == "" || len(raw) > maxURILen {
		return nil, fmt.Errorf("must be a non-empty URI of at most %d characters", maxURILen)
	}
	if strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%q must not contain a fragment (RFC 6749 §3.1.2)", raw)
	}
	if strings.Contains(raw, "*") {
		return nil, fmt.Errorf("%q: wildcards are not allowed; register each URI exactly", raw)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("%q must not contain spaces or control characters", raw)
	}
	if err := CheckRedirectSpelling(raw); err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("%q is not an absolute URI", raw)
	}
	scheme := strings.ToLower(u.Scheme)
	if slices.Contains(dangerousSchemes, scheme) {
		return nil, fmt.Errorf("%q: the %s scheme is not allowed", raw, scheme)
	}
	if u.Scheme != scheme {
		return nil, fmt.Errorf("%q: the scheme must be lower case", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q must not contain user information", raw)
	}
	if err := CheckPort(u); err != nil {
		return nil, fmt.Errorf("%q: %v", raw, err)
	}
	if err := checkASCIIHost(u); err != nil {
		return nil, fmt.Errorf("%q: %v", raw, err)
	}
	if err := checkHostSpelling(u); err != nil {
		return nil, fmt.Errorf("%q: %v", raw, err)
	}
	// Whatever the rules above miss: a URI that url.URL writes out
	// differently (a non-ASCII path, say) has a second form already.
	if again := u.String(); again != raw {
		return nil, fmt.Errorf("%q is not in its normal form; register %q", raw, again)
	}
	return u, nil
}

// CheckRedirectSpelling refuses a redirect URI that a browser reads as
// another URI than the one written: the authorization endpoint compares
// strings exactly (RFC 9700 §4.1.3), so a second spelling would let a
// registered "https://good.example/cb/%2e%2e/evil" send codes to
// /evil, which the operator's review never saw. Registration refuses these
// forms, and the authorization endpoint refuses a stored one so that no
// code is sent to it.
func CheckRedirectSpelling(raw string) error {
	// WHATWG URL: a backslash is a slash in http(s) URLs, so
	// "https://good.example/cb\..\x" resolves to /x.
	if strings.Contains(raw, `\`) {
		return fmt.Errorf("%q must not contain a backslash: browsers read it as /", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not an absolute URI", raw)
	}
	// Path is decoded, so %2e%2e, %2E. and .%2e are caught as .. is:
	// browsers resolve them all (WHATWG URL, single- and double-dot
	// path segments).
	if hasDotSegment(u.Path) {
		return fmt.Errorf("%q: the path must not contain . or .. segments, plain or percent-encoded", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	host := u.Hostname()
	switch {
	case u.Port() == defaultPorts[u.Scheme]:
		return fmt.Errorf("%q: leave out the default port :%s", raw, u.Port())
	case strings.HasSuffix(host, "."):
		return fmt.Errorf("%q: the host must not end in a dot", raw)
	case strings.Contains(host, "%"):
		// url.Parse takes [fe80::1%25eth0]: an interface of whatever
		// machine the browser runs on, not a place.
		return fmt.Errorf("%q: the host must not carry an IPv6 zone id or a %% sign", raw)
	case !strings.HasPrefix(u.Host, "[") && endsInNumber(host) && !isIPv4(host):
		return fmt.Errorf("%q: browsers read host %s as an IPv4 address; write it in dotted decimal", raw, host)
	}
	return nil
}

// defaultPorts are the ports browsers drop from a URL (WHATWG URL §1.1
// special schemes); a URI naming them has a second form without.
var defaultPorts = map[string]string{"http": "80", "https": "443"}

// endsInNumber: a WHATWG URL host whose last label is a number (decimal,
// or hex with 0x) is parsed as an IPv4 address: "127.1", "0x7f.1" and
// "2130706433" all mean 127.0.0.1.
func endsInNumber(host string) bool {
	last := host[strings.LastIndex(host, ".")+1:]
	if hex, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// isIPv4 is the one spelling of an IPv4 address: four decimal parts
// without leading zeros.
func isIPv4(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Is4() && ip.String() == host
}

// checkHostSpelling: an http(s) host has one spelling here, the one a
// browser sends, or the registered string would never match the exact
// comparison at the authorization endpoint (RFC 9700 §4.1.3): lower case,
// and an IP literal in its canonical form ([::1], not [0:0:0:0:0:0:0:1]
// or an IPv4-mapped [::ffff:127.0.0.1]).
func checkHostSpelling(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	host := u.Hostname()
	if host != strings.ToLower(host) {
		return fmt.Errorf("the host must be lower case")
	}
	if ip, err := netip.ParseAddr(host); err == nil && (ip.Is4In6() || ip.String() != host) {
		return fmt.Errorf("write the address %s as %s", host, ip.Unmap())
	}
	return nil
}

// checkASCIIHost: a host in Unicode (or percent-encoded Unicode, which
// url.Parse decodes) is a second form of its punycode A-label; browsers
// send the A-label, so the Unicode form would never match the exact
// string comparison at the authorization endpoint (RFC 9700 §4.1.3).
func checkASCIIHost(u *url.URL) error {
	if strings.ContainsFunc(u.Host, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return fmt.Errorf("the host must be ASCII; use its punycode form (xn--…)")
	}
	return nil
}

// CheckPort: url.Parse takes any digits after the colon. A port no TCP
// connection can use, or one written in a second form (":0443", a bare
// ":"), would be stored and then never match the exact string comparison
// at the authorization endpoint; nor may the authorization endpoint send
// a browser to one when it lets a loopback port vary.
func CheckPort(u *url.URL) error {
	port := u.Port()
	if port == "" {
		if strings.HasSuffix(u.Host, ":") {
			return fmt.Errorf("the port is empty")
		}
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return fmt.Errorf("port %s must be a number from 1 to 65535 without leading zeros", port)
	}
	return nil
}

// checkAllowLists applies the workspace's lists to every redirect URI:
// redirect_schemes to every scheme and redirect_hosts to every http(s)
// host. A native client's loopback URI is no exception, or any client
// could pass an operator's lists by registering as native.
func checkAllowLists(raw string, u *url.URL, p Policy) error {
	if len(p.RedirectSchemes) > 0 && !slices.Contains(p.RedirectSchemes, u.Scheme) {
		return fmt.Errorf("%q: scheme %s is not allowed; allowed schemes: %s", raw, u.Scheme, strings.Join(p.RedirectSchemes, ", "))
	}
	if u.Scheme != "https" && u.Scheme != "http" || len(p.RedirectHosts) == 0 {
		return nil
	}
	// An IPv6 literal may be listed with or without its brackets.
	host := u.Hostname()
	if !slices.Contains(p.RedirectHosts, host) && !slices.Contains(p.RedirectHosts, "["+host+"]") {
		return fmt.Errorf("%q: host %s is not allowed; allowed hosts: %s", raw, host, strings.Join(p.RedirectHosts, ", "))
	}
	return nil
}

func checkHTTPSRedirect(raw string, u *url.URL) error {
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

// checkLoopbackRedirect: RFC 8252 §7.3 and RFC 9700 §2.6 allow plain http
// only for native apps on the loopback interface (for web clients too
// where the policy says so).
func checkLoopbackRedirect(raw string, u *url.URL, appType string, p Policy) error {
	loopback := IsLoopbackHost(u.Hostname())
	switch {
	case p.LoopbackHTTPForWeb && !loopback:
		return fmt.Errorf("%q: http is allowed only to a loopback host (127.0.0.0/8, [::1], localhost); use https", raw)
	case !p.LoopbackHTTPForWeb && (appType != ApplicationTypeNative || !loopback):
		return fmt.Errorf("%q: http is allowed only for native clients on a loopback host (127.0.0.0/8, [::1], localhost); use https", raw)
	}
	return nil
}

// checkPrivateUseRedirect: RFC 8252 §7.1 private-use schemes are for native
// apps and use reverse domain names, so one app cannot claim a generic
// scheme another app also uses.
func checkPrivateUseRedirect(raw string, u *url.URL, appType string, p Policy) error {
	if appType != ApplicationTypeNative {
		return fmt.Errorf("%q: custom URI schemes are allowed only for native clients (application_type native)", raw)
	}
	// An operator who lists schemes has chosen them; checkAllowLists
	// enforces the list, and the reverse-DNS rule is for when there is none.
	if len(p.RedirectSchemes) > 0 {
		return nil
	}
	if !strings.Contains(u.Scheme, ".") {
		return fmt.Errorf("%q: a private-use scheme must be a reverse domain name such as com.example.app (RFC 8252 §7.1)", raw)
	}
	return nil
}

func hasDotSegment(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
