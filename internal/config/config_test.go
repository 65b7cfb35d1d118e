package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "r.yaml")
	yaml := "listen: 127.0.0.1:7000\ndb: sqlite:from-file.db\nworkspaces:\n  - name: opaque\n    access_token_format: opaque\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Source{"config": file, "db": "sqlite:from-flag.db"}, env(map[string]string{
		"REGISTRAR_LISTEN": "127.0.0.1:7001",
		"REGISTRAR_DB":     "sqlite:from-env.db",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:7001" {
		t.Errorf("listen = %q, want env to beat file", cfg.Listen)
	}
	if cfg.DB != "sqlite:from-flag.db" {
		t.Errorf("db = %q, want flag to beat env", cfg.DB)
	}
	if cfg.BaseURL != "http://127.0.0.1:7001" {
		t.Errorf("base_url = %q, want derived from listen", cfg.BaseURL)
	}
	s, ok := cfg.WorkspaceSettings("opaque")
	if !ok || s.AccessTokenFormat != "opaque" || s.AccessTokenAlg != "ES256" {
		t.Errorf("opaque workspace settings = %+v, %v; want format opaque on default alg", s, ok)
	}
}

func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name    string
		flags   Source
		yaml    string
		wantKey string
	}{
		{"http base url on a public host", Source{"base_url": "http://example.com"}, "", "base_url"},
		{"http base url on an IPv4-mapped loopback", Source{"base_url": "http://[::ffff:127.0.0.1]:8080"}, "", "base_url"},
		{"base url with fragment", Source{"base_url": "https://example.com/#x"}, "", "base_url"},
		{"unknown db scheme", Source{"db": "mysql://x"}, "", "db"},
		{"bad listen", Source{"listen": "nope"}, "", "listen"},
		{"bad log level", Source{"log_level": "loud"}, "", "log_level"},
		{"metrics listen without a host", Source{"metrics_listen": "9464"}, "", "metrics_listen"},
		{"unknown yaml key", nil, "lisen: 1\n", "lisen"},
		{"unknown workspace key", nil, "workspaces:\n  - name: a\n    acces_token_format: jwt\n", "acces_token_format"},
		{"bad workspace format", nil, "workspaces:\n  - name: a\n    access_token_format: paper\n", "access_token_format"},
		{"jwks max-age of zero", nil, "workspaces:\n  - name: a\n    jwks_max_age: 0\n", "jwks_max_age"},
		{"reserved workspace name", nil, "workspaces:\n  - name: admin\n", "workspaces[0].name"},
		{"duplicate workspace", nil, "workspaces:\n  - name: a\n  - name: a\n", "declared twice"},
		{"scope with a space", nil, "workspaces:\n  - name: a\n    scopes: [openid, \"bad scope\"]\n", `workspaces[0] (a).scopes: "bad scope" is not a scope token`},
		{"scope with a quote", nil, "workspaces:\n  - name: a\n    scopes: [openid, 'quo\"te']\n", `workspaces[0] (a).scopes: "quo\"te" is not a scope token`},
		{"scope with a backslash", nil, "workspaces:\n  - name: a\n    scopes: ['back\\slash']\n", `workspaces[0] (a).scopes: "back\\slash" is not a scope token`},
		{"empty scope", nil, "workspaces:\n  - name: a\n    scopes: [openid, '']\n", `workspaces[0] (a).scopes: "" is not a scope token`},
		{"scope listed twice", nil, "workspaces:\n  - name: a\n    scopes: [openid, dcr, openid]\n", `workspaces[0] (a).scopes: "openid" is listed twice`},
		{"registration scope with a space", nil, "workspaces:\n  - name: a\n    registration:\n      scope: d cr\n", `workspaces[0] (a).registration.scope: "d cr" is not a scope token`},
		{"host name as trusted proxy", nil, "trusted_proxies: [10.0.0.0/8, proxy.internal]\n", "trusted_proxies"},
		{"tls cert without its key", Source{"tls_cert": "c.pem"}, "", "tls_key"},
		{"tls key without its cert", Source{"tls_key": "k.pem"}, "", "tls_cert"},
		{"http base url over tls", Source{"tls_cert": "c.pem", "tls_key": "k.pem", "base_url": "http://127.0.0.1:8080"}, "", "must be https when the listener serves TLS"},
		{"client cert header without trusted proxies", nil, "client_cert_header: X-SSL-Client-Cert\n", "set trusted_proxies too"},
		{"client cert header not a header name", nil, "trusted_proxies: [10.0.0.1]\nclient_cert_header: 'X SSL'\n", "not a header name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			flags := Source{}
			for k, v := range tc.flags {
				flags[k] = v
			}
			if tc.yaml != "" {
				file := filepath.Join(t.TempDir(), "c.yaml")
				os.WriteFile(file, []byte(tc.yaml), 0o600)
				flags["config"] = file
			}
			_, err := Load(flags, env(nil))
			if err == nil || !strings.Contains(err.Error(), tc.wantKey) {
				t.Fatalf("err = %v, want an error naming %q", err, tc.wantKey)
			}
		})
	}
}

// A TLS listener's issuer made from listen is https, as is the one Bound
// makes again for port 0.
func TestTLSBaseURLIsHTTPS(t *testing.T) {
	cfg, err := Load(Source{"tls_cert": "c.pem", "tls_key": "k.pem", "listen": "127.0.0.1:0"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Bound("127.0.0.1:8443")
	if cfg.BaseURL != "https://127.0.0.1:8443" {
		t.Fatalf("base_url = %q, want https://127.0.0.1:8443", cfg.BaseURL)
	}
}

func TestEmptyFileIsNoSettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(file, nil, 0o600)
	cfg, err := Load(Source{"config": file}, env(nil))
	if err != nil || cfg.Listen != "127.0.0.1:8080" {
		t.Fatalf("cfg=%+v err=%v", cfg, err)
	}
}

// TestErrorsNameWhatTheUserTyped: a bad value names the variable or flag
// that set it, a base URL with a path is refused, and an unknown workspace
// key reads as a setting name, not a Go type.
func TestErrorsNameWhatTheUserTyped(t *testing.T) {
	_, err := Load(nil, env(map[string]string{"REGISTRAR_LOG_LEVEL": "loud"}))
	if err == nil || !strings.Contains(err.Error(), "REGISTRAR_LOG_LEVEL") {
		t.Errorf("env log level: %v; want the variable named", err)
	}
	_, err = Load(Source{"listen": "nope"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "--listen") {
		t.Errorf("flag listen: %v; want the flag named", err)
	}
	_, err = Load(Source{"base_url": "https://id.example/idp"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "no path") {
		t.Errorf("base_url with a path: %v; want it refused", err)
	}
	_, err = Load(nil, env(map[string]string{"REGISTRAR_KEY_REFRESH": "5 seconds"}))
	if err == nil || !strings.Contains(err.Error(), `key_refresh (from REGISTRAR_KEY_REFRESH): "5 seconds" is not a duration`) {
		t.Errorf("env key refresh: %v; want it named as not a duration", err)
	}
	file := filepath.Join(t.TempDir(), "r.yaml")
	os.WriteFile(file, []byte("workspaces:\n  - name: w\n    access_tokn_ttl: 5\n"), 0o600)
	_, err = Load(Source{"config": file}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "access_tokn_ttl: unknown setting") || strings.Contains(err.Error(), "struct") {
		t.Errorf("unknown workspace key: %v; want 'access_tokn_ttl: unknown setting' without a Go type", err)
	}
}

// TestLoadParsesTrustedProxies: the server takes the trusted proxies as
// Load parsed them while validating: an address is a one-address prefix,
// a CIDR is masked, blanks around commas are dropped.
func TestLoadParsesTrustedProxies(t *testing.T) {
	cfg, err := Load(nil, env(map[string]string{"REGISTRAR_TRUSTED_PROXIES": "192.0.2.7, 10.1.2.3/8,,2001:db8::1"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::1/128")}
	if got := cfg.Proxies(); !slices.Equal(got, want) {
		t.Errorf("Proxies() = %v, want %v", got, want)
	}
	if cfg, _ := Load(nil, env(nil)); len(cfg.Proxies()) != 0 {
		t.Errorf("no proxies configured, yet Proxies() = %v", cfg.Proxies())
	}
}

func TestParseProxiesRefusesGarbage(t *testing.T) {
	if _, errs := (Config{TrustedProxies: []string{"10.0.0.0/8", "proxy.internal"}}).parseProxies(); len(errs) != 1 {
		t.Fatalf("a host name was taken as a proxy address: %v", errs)
	}
	p, errs := (Config{TrustedProxies: []string{" 10.0.0.1 ", "", "fd00::/8"}}).parseProxies()
	if len(errs) != 0 || len(p) != 2 {
		t.Fatalf("parseProxies = %v, %v", p, errs)
	}
}

// loadYAML writes text to a config file and loads it, returning the
// file's path and Load's error.
func loadYAML(t *testing.T, text string) (file string, err error) {
	t.Helper()
	file = filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(Source{"config": file}, env(nil))
	return file, err
}

// TestYAMLTypeErrorsNameTheKey: a value of the wrong type names its key,
// as a path into the file, and its line, and says in words what the key
// takes; inside a workspace too, whose entry is decoded on its own, and for
// every entry at once.
func TestYAMLTypeErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"number as duration", "listen: 127.0.0.1:1\nkey_refresh: 30\n",
			[]string{`line 2: key_refresh: "30" is not a duration (e.g. 500ms, 30s, 1m)`}},
		{"word as duration", "key_refresh: soon\n",
			[]string{`line 1: key_refresh: "soon" is not a duration (e.g. 500ms, 30s, 1m)`}},
		{"list as string", "log_level: [debug]\n",
			[]string{`line 1: log_level: a list is not a string`}},
		{"string as list", "trusted_proxies: 10.0.0.1\n",
			[]string{`line 1: trusted_proxies: "10.0.0.1" is not a list`}},
		{"word as seconds in a workspace", "workspaces:\n  - name: p\n    access_token_ttl: abc\n",
			[]string{`line 3: workspaces[0] (p).access_token_ttl: "abc" is not a whole number`}},
		{"long value shown whole", "workspaces:\n  - name: p\n    refresh_token_ttl: thirty days\n",
			[]string{`line 3: workspaces[0] (p).refresh_token_ttl: "thirty days" is not a whole number`}},
		{"nested in registration", "workspaces:\n  - name: p\n    registration:\n      enabled: maybe\n",
			[]string{`line 4: workspaces[0] (p).registration.enabled: "maybe" is not true or false`}},
		{"item of a flow list", "workspaces:\n  - name: p\n    scopes: [openid, {a: b}]\n",
			[]string{`line 3: workspaces[0] (p).scopes[1]: a mapping is not a string`}},
		{"entry that is not a mapping", "workspaces:\n  - partners\n",
			[]string{`line 2: workspaces[0]: "partners" is not a mapping`}},
		{"unknown key in a workspace", "workspaces:\n  - name: w\n    access_tokn_ttl: 5\n",
			[]string{`line 3: workspaces[0] (w).access_tokn_ttl: unknown setting`}},
		{"every workspace, lines past blanks and comments",
			"workspaces:\n  - name: a\n    id_token_ttl: 1 hour\n\n  # b\n  - name: b\n    jwks_max_age: [60]\nkey_refresh: 1\n",
			[]string{
				`line 3: workspaces[0] (a).id_token_ttl: "1 hour" is not a whole number`,
				`line 7: workspaces[1] (b).jwks_max_age: a list is not a whole number`,
				`line 8: key_refresh: "1" is not a duration`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, tc.yaml)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v\nwant it to contain %s", err, want)
				}
			}
			if err != nil && strings.Contains(err.Error(), "struct") {
				t.Errorf("err = %v; names a Go type", err)
			}
		})
	}
}

// TestBadListenAloneIsReported: base_url, when not set, is made from
// listen; a bad listen is one mistake, reported once, not again as a bad
// base_url. A base_url the user set is still checked on its own.
func TestBadListenAloneIsReported(t *testing.T) {
	for _, listen := range []string{"nope", "8080", "localhost"} {
		_, err := Load(Source{"listen": listen}, env(nil))
		if err == nil || !strings.Contains(err.Error(), "--listen") || strings.Contains(err.Error(), "base_url") {
			t.Errorf("listen %q: %v; want the listen error alone", listen, err)
		}
	}
	_, err := Load(Source{"listen": "nope", "base_url": "http://example.com"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "--listen") || !strings.Contains(err.Error(), "base_url (from --base-url)") {
		t.Errorf("bad listen and a bad base_url given: %v; want both named", err)
	}
}

// TestPublicListenWithoutBaseURL: with no base_url, the issuer is made
// from listen; on a public host that is plain http, refused, and the
// error must point at the setting the user did give (listen) and at the
// one to add, not only at a base_url they never wrote.
func TestPublicListenWithoutBaseURL(t *testing.T) {
	_, err := Load(Source{"listen": "example.com:80"}, env(nil))
	for _, want := range []string{"base_url (from --listen)", `made from listen "example.com:80"`, "must use https", "set base_url"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("public listen, no base_url: %v; want it to say %q", err, want)
		}
	}
}

// TestBoundKeepsTheConfiguredIssuer: only port 0 is replaced, by the port
// the listener got; a host name is never replaced by the IP it resolved to
// (that would change the issuer of every token already issued).
func TestBoundKeepsTheConfiguredIssuer(t *testing.T) {
	for _, tc := range []struct{ listen, bound, wantBase string }{
		{"localhost:8080", "127.0.0.1:8080", "http://localhost:8080"},
		{"127.0.0.1:0", "127.0.0.1:45721", "http://127.0.0.1:45721"},
		{"localhost:0", "127.0.0.1:45721", "http://localhost:45721"},
		{":0", "[::]:45721", "http://localhost:45721"},
	} {
		cfg, err := Load(Source{"listen": tc.listen}, env(nil))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Bound(tc.bound)
		if cfg.BaseURL != tc.wantBase {
			t.Errorf("listen %s bound %s: base URL %s, want %s", tc.listen, tc.bound, cfg.BaseURL, tc.wantBase)
		}
	}
	cfg, _ := Load(Source{"listen": "127.0.0.1:0", "base_url": "https://id.example"}, env(nil))
	if cfg.Bound("127.0.0.1:45721"); cfg.BaseURL != "https://id.example" {
		t.Errorf("a base_url the user set became %s", cfg.BaseURL)
	}
}

// TestValidationErrorsNameTheLine: a value the file gives that fails a
// check made after decoding names its line, in the words of the decoder's
// errors (TestYAMLTypeErrorsNameTheKey): the entry of a list, a setting
// nested in a workspace, a workspace a name is missing from.
func TestValidationErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"bad scope in the second workspace", "workspaces:\n  - name: a\n  - name: b\n    scopes:\n      - openid\n      - bad scope\n",
			[]string{`line 6: workspaces[1] (b).scopes: "bad scope" is not a scope token`}},
		{"scope listed twice in a flow list", "workspaces:\n  - name: a\n    scopes: [openid,\n      dcr, openid]\n",
			[]string{`line 4: workspaces[0] (a).scopes: "openid" is listed twice`}},
		{"duration out of range", "listen: 127.0.0.1:1\n\nkey_refresh: 2h\n",
			[]string{`line 3: key_refresh: must be a duration between 100ms and 1h`}},
		{"enum nested under registration", "workspaces:\n  - name: p\n    registration:\n      enabled: true\n      rotate_registration_token: always\n",
			[]string{`line 5: workspaces[0] (p).registration.rotate_registration_token: "always" is not one of on_update, on_read_and_update`}},
		{"registration scope not among the workspace's", "workspaces:\n  - name: p\n    scopes: [openid, dcr]\n    registration:\n      scopes:\n        - openid\n        - email\n",
			[]string{`line 7: workspaces[0] (p).registration.scopes: "email" is not among the workspace scopes`}},
		{"default registration scope left out of the workspace's", "workspaces:\n  - name: p\n    scopes: [openid, profile]\n",
			[]string{`line 2: workspaces[0] (p).registration.scope: "dcr" is not among the workspace scopes`}},
		{"a trusted issuer with an HMAC alg", "workspaces:\n  - name: p\n    registration:\n      software_statement:\n        mode: required\n        issuers:\n          - issuer: Dir\n            jwks_uri: https://dir.example/jwks\n            algs: [HS256]\n",
			[]string{`line 7: workspaces[0] (p).registration.software_statement.issuers: issuer "Dir": alg "HS256" is not one of`}},
		{"statements required without issuers", "workspaces:\n  - name: p\n    registration:\n      software_statement:\n        mode: required\n",
			[]string{`line 5: workspaces[0] (p).registration.software_statement.issuers: name at least one trusted issuer`}},
		{"duplicate workspace name", "workspaces:\n  - name: a\n  - name: b\n  # a again\n  - name: a\n",
			[]string{`line 5: workspaces[2].name: "a" declared twice`}},
		{"workspace without a name", "workspaces:\n  - name: a\n  - access_token_ttl: 5\n",
			[]string{`line 3: workspaces[1].name: workspace name ""`}},
		{"one bad trusted proxy of a list", "trusted_proxies:\n  - 10.0.0.0/8\n  - proxy.internal\n",
			[]string{`line 3: trusted_proxies: "proxy.internal" is neither an IP address nor a CIDR prefix`}},
		{"every problem in a file, top-level and nested",
			"log_level: loud\nbase_url: http://id.example\nmaster_key_file: ''\nworkspaces:\n  - name: w\n    access_token_ttl: -5\n    jwks_max_age: 0\n    registration:\n      mode: closed\n",
			[]string{
				`line 1: log_level: "loud" is not one of debug, info, warn, error`,
				`line 2: base_url: "http://id.example" must use https`,
				`line 3: master_key_file: set it`,
				`line 6: workspaces[0] (w).access_token_ttl: must be a positive number of seconds`,
				`line 7: workspaces[0] (w).jwks_max_age: must be between 1 and`,
				`line 9: workspaces[0] (w).registration.mode: "closed" is not one of open, initial_access_token, software_statement`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file, err := loadYAML(t, tc.yaml)
			for _, want := range tc.want {
				if want = "config file " + file + ": " + want; err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v\nwant it to contain %s", err, want)
				}
			}
		})
	}
}

// TestOverridesNameNoFileLine: a flag or variable beats the file, so an
// error about its value names it, never a line of the file, even where the
// file sets the same key; and a good override hides the file's bad value.
func TestOverridesNameNoFileLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("key_refresh: 2h\nlog_level: loud\nlog_format: fancy\ntrusted_proxies: [proxy.internal]\n"), 0o600)
	_, err := Load(Source{"config": file, "log_level": "shout"}, env(map[string]string{
		"REGISTRAR_KEY_REFRESH":     "5 seconds",
		"REGISTRAR_LOG_FORMAT":      "json",
		"REGISTRAR_TRUSTED_PROXIES": "10.0.0.1,gateway",
	}))
	if err == nil {
		t.Fatal("bad overrides were accepted")
	}
	for _, want := range []string{
		"invalid configuration:\n",
		"\n" + `key_refresh (from REGISTRAR_KEY_REFRESH): "5 seconds" is not a duration`,
		"\n" + `log_level (from --log-level): "shout" is not one of`,
		"\n" + `trusted_proxies (from REGISTRAR_TRUSTED_PROXIES): "gateway" is neither`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "line ") || strings.Contains(err.Error(), "log_format") {
		t.Errorf("err = %v\nwant no file line, and nothing about the log_format the environment fixed", err)
	}
}

// TestYAMLFileLine: a key path finds its value's line through lists and
// aliases; a value the file lacks falls back to its enclosing entry, but a
// top-level key the file lacks is on no line.
func TestYAMLFileLine(t *testing.T) {
	f := &yamlFile{path: "c.yaml"}
	src := "listen: ':1'\nworkspaces:\n  - name: a\n    scopes: &s\n      - openid\n      - dcr\n  - name: b\n    cors_origins: *s\n"
	if err := yaml.Unmarshal([]byte(src), &f.doc); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		"listen":                        1,
		"workspaces[0].scopes[1]":       6,
		"workspaces[1].name":            7,
		"workspaces[1].cors_origins":    8,
		"workspaces[1].cors_origins[0]": 5,
		"workspaces[1].scopes[0]":       7, // none: the entry's line
		"base_url":                      0,
		"listen[0]":                     1,
	} {
		if got := f.line(path); got != want {
			t.Errorf("line(%q) = %d, want %d", path, got, want)
		}
	}
	if got := (*yamlFile)(nil).line("listen"); got != 0 {
		t.Errorf("no file: line = %d, want 0", got)
	}
}

// TestWorkspacesShareSettingsByAnchor: YAML anchors and merge keys work
// across workspace entries, as in any YAML file: the second workspace
// takes the first's settings with `<<: *base`, or one list with `*s`, and
// an error in a shared value is named on the anchored line.
func TestWorkspacesShareSettingsByAnchor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "registrar.yaml")
	os.WriteFile(path, []byte("workspaces:\n  - &base\n    name: a\n    scopes: &s [openid, profile, dcr]\n    access_token_format: opaque\n"+
		"  - <<: *base\n    name: b\n  - name: c\n    scopes: *s\n"), 0o600)
	cfg, err := Load(Source{"config": path}, env(nil))
	if err != nil {
		t.Fatalf("anchors across workspaces: %v", err)
	}
	b, _ := cfg.WorkspaceSettings("b")
	c, _ := cfg.WorkspaceSettings("c")
	if b.AccessTokenFormat != "opaque" || len(b.Scopes) != 3 || len(c.Scopes) != 3 {
		t.Fatalf("b = %+v, c = %+v; want a's settings merged into b and a's scopes in c", b, c)
	}
	os.WriteFile(path, []byte("workspaces:\n  - name: a\n    scopes: &s [openid, 'bad scope']\n  - name: b\n    scopes: *s\n"), 0o600)
	if _, err := Load(Source{"config": path}, env(nil)); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("a bad shared scope: %v; want it named on line 3, where it is written", err)
	}
}

// TestSelfReferentialAnchorIsAnError: an anchor inside its own value, or
// aliases that multiply without end, are configuration errors, not a
// crash (stack overflow) or a hang.
func TestSelfReferentialAnchorIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.yaml")
	var bomb strings.Builder // each x<i> lists x<i-1> ten times: 10⁹ values
	bomb.WriteString("workspaces:\n  - name: a\n    x0: &a0 [openid, openid, openid, openid, openid, openid, openid, openid, openid, openid]\n")
	for i := 1; i <= 8; i++ {
		refs := strings.TrimSuffix(strings.Repeat("*a"+strconv.Itoa(i-1)+", ", 10), ", ")
		bomb.WriteString("    x" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [" + refs + "]\n")
	}
	for name, yml := range map[string]string{
		"contains itself": "workspaces:\n  - name: a\n    scopes: &x [openid, *x]\n",
		"alias bomb":      bomb.String(),
	} {
		os.WriteFile(path, []byte(yml), 0o600)
		done := make(chan error, 1)
		go func() { _, err := Load(Source{"config": path}, env(nil)); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still loading after 10s", name)
		}
	}
}

// TestRegistrationScopeGuards: a workspace whose registered clients could
// be granted the registration scope (and so mint initial access tokens of
// their own), or whose registration scope is one ordinary sign-ins are
// granted, is refused at load with the key and line, in exactly these
// words; the safe spellings around them load.
func TestRegistrationScopeGuards(t *testing.T) {
	const ws = "workspaces:\n  - name: p\n    scopes: [openid, profile, email, address, phone, offline_access, dcr, api]\n"
	cases := []struct {
		name string
		yaml string
		want string // "" loads
	}{
		{"registration scope among the registration scopes", ws + "    registration:\n      scopes:\n        - openid\n        - dcr\n",
			`line 7: workspaces[0] (p).registration.scopes: "dcr" is registration.scope, so a registered client could mint its own initial access tokens; leave it out`},
		{"a renamed registration scope among them", ws + "    registration:\n      scope: api\n      scopes: [openid, api]\n",
			`line 6: workspaces[0] (p).registration.scopes: "api" is registration.scope, so a registered client could mint its own initial access tokens; leave it out`},
		{"the registration scopes by default leave it out", ws, ""},
		{"other registration scopes", ws + "    registration:\n      scopes: [openid, api]\n", ""},
		{"no registration scope", ws + "    registration:\n      scope: ''\n      scopes: [openid, dcr]\n", ""},
	}
	for _, everyday := range []string{"openid", "profile", "email", "address", "phone", "offline_access"} {
		cases = append(cases, struct {
			name string
			yaml string
			want string
		}{"everyday registration scope " + everyday, ws + "    registration:\n      scope: " + everyday + "\n",
			`line 5: workspaces[0] (p).registration.scope: "` + everyday + `" is a scope ordinary sign-ins are granted, so their access tokens would register clients; name a scope of its own, such as dcr`})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file, err := loadYAML(t, tc.yaml)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			want := "invalid configuration:\nconfig file " + file + ": " + tc.want
			if err == nil || err.Error() != want {
				t.Errorf("err = %v\nwant %s", err, want)
			}
		})
	}
}
