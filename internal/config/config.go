// Package config turns defaults, an optional YAML file, REGISTRAR_*
// environment variables and command-line flags (in rising precedence) into
// one typed Config, validated at start with every problem named at once.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Config is a node's configuration.
type Config struct {
	Listen        string `yaml:"listen"`
	DB            string `yaml:"db"`
	BaseURL       string `yaml:"base_url"`
	MasterKeyFile string `yaml:"master_key_file"`
	// MasterKey comes only from the environment (REGISTRAR_MASTER_KEY), never
	// from a file that might be committed or a flag visible in `ps`.
	MasterKey string `yaml:"-"`
	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"`
	// LogAccess writes one log line per request.
	LogAccess bool `yaml:"log_access"`
	// KeyRefresh is how often a node re-reads signing keys, so a rotation
	// made elsewhere (another node, the CLI) reaches it.
	KeyRefresh time.Duration `yaml:"key_refresh"`
	// TrustedProxies are the addresses or CIDR prefixes of reverse
	// proxies whose X-Forwarded-For names the caller (login throttling and
	// audit key on the caller's address).
	TrustedProxies []string    `yaml:"trusted_proxies"`
	Workspaces     []Workspace `yaml:"workspaces"`
	// MetricsListen is the address of the listener that serves /metrics
	// (DefaultMetricsListen unless set), or "" or "off" for none. Never the
	// public listener: the counters name every workspace and route.
	MetricsListen string `yaml:"metrics_listen"`
	// RegistrationRateLimit bounds how often one caller may use the
	// registration endpoints, on each node.
	RegistrationRateLimit RateLimit `yaml:"registration_rate_limit"`
	// Audit holds the audit trail's settings.
	Audit Audit `yaml:"audit"`
	// Fetch holds the settings of the fetcher of outside URLs (a
	// client's jwks_uri and sector_identifier_uri).
	Fetch Fetch `yaml:"fetch"`
	// TLSCert and TLSKey are the PEM files of the listener's certificate
	// (chain) and key: set both to serve HTTPS, neither for plain HTTP.
	// They are read again when they change.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// ClientCA is a PEM file of the certificate authorities a
	// tls_client_auth client's certificate must chain to.
	ClientCA string `yaml:"client_ca"`
	// ClientCertHeader names the request header in which a trusted
	// TLS-terminating proxy forwards the caller's certificate (URL-escaped
	// PEM, as nginx's $ssl_client_escaped_cert); read only from
	// TrustedProxies.
	ClientCertHeader string `yaml:"client_cert_header"`
	// Roles are the endpoint groups this node serves (see roles.go).
	Roles []string `yaml:"roles"`
	// RegistrationEndpoint is the base URL of the nodes serving the
	// registration role, when they are reached apart from base_url.
	RegistrationEndpoint string `yaml:"registration_endpoint"`

	// proxies is TrustedProxies as Validate parsed them.
	proxies []netip.Prefix
	// baseURLFromListen: Load made BaseURL from Listen, as none was set,
	// so a bad listen is not reported a second time as a bad base_url, and
	// Bound can make it again from the address the listener got.
	baseURLFromListen bool
	// badKeyRefresh keeps a key_refresh from a flag or the environment
	// that is not a duration, for Validate to name as such.
	badKeyRefresh string

	// origin records, for keys not taken from the YAML file or the
	// defaults, where the value came from ("REGISTRAR_LOG_LEVEL",
	// "--log-level"), so an error names what the user actually typed.
	origin map[string]string
	// file is the YAML file read, if any, so an error about a value from
	// it names the value's line (see problem).
	file *yamlFile
}

// Workspace declares a workspace and its settings in YAML. Settings not
// given keep their defaults.
type Workspace struct {
	Name     string
	Settings workspace.Settings
}

// UnmarshalYAML reads `name` and the settings keys from one mapping, on top
// of the default settings, rejecting unknown keys so a typo is reported.
// Its errors are yaml.v3's, on the file's lines, so that loadFile names
// their keys as it does at the top level and every entry is reported.
func (w *Workspace) UnmarshalYAML(node *yaml.Node) error {
	settings := struct {
		Name               string `yaml:"name"`
		workspace.Settings `yaml:",inline"`
	}{Settings: workspace.DefaultSettingsFor(profileOf(node))}
	lifetimesToSeconds(node)
	if err := decodeStrict(node, &settings); err != nil {
		return err
	}
	w.Name, w.Settings = settings.Name, settings.Settings
	return nil
}

// profileOf is the `profile` a workspace's mapping names, read before the
// rest so that the keys it leaves out take that profile's defaults.
func profileOf(node *yaml.Node) string {
	var peek struct {
		Profile string `yaml:"profile"`
	}
	if node.Decode(&peek) != nil {
		return workspace.ProfileNone
	}
	return peek.Profile
}

// RateLimit is a number of requests a minute, each counter refilling
// evenly and holding at most a minute's worth (the burst); 0 is no limit.
type RateLimit struct {
	// PerAddress counts the requests of one caller address (as
	// trusted_proxies resolve it).
	PerAddress int `yaml:"per_address"`
	// PerToken counts the requests presenting one bearer token.
	PerToken int `yaml:"per_token"`
}

// Audit holds the audit trail's settings.
type Audit struct {
	// Retain is how long audit events are kept; 0 keeps them forever.
	Retain workspace.Seconds `yaml:"retain"`
	// DenialsPerMinute is how many refused registration requests of one
	// address are audited one by one each minute; the rest are counted,
	// the count written with the next one audited. 0 audits every one.
	DenialsPerMinute int `yaml:"denials_per_minute"`
}

// Fetch holds the settings of the fetcher of outside URLs.
type Fetch struct {
	// AllowPrivateNetworks lets a URL a client names reach loopback,
	// private and other special addresses: for tests and deployments
	// whose clients' servers are on a private network only, since it
	// lets whoever registers a client make the server fetch from its
	// own network.
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
}

// DefaultMetricsListen is where /metrics is served unless metrics_listen
// says otherwise: loopback, on the port Prometheus exporters of this
// kind use (9464).
const DefaultMetricsListen = "127.0.0.1:9464"

// MetricsOff reports whether addr asks for no metrics listener.
func MetricsOff(addr string) bool { return addr == "" || addr == "off" }

// Default returns the configuration of `registrar serve` with nothing set.
func Default() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		DB:            "sqlite:registrar.db",
		MasterKeyFile: "registrar.key",
		LogLevel:      "info",
		LogFormat:     "text",
		LogAccess:     true,
		KeyRefresh:    30 * time.Second,
		MetricsListen: DefaultMetricsListen,
		// A client registers once and manages its registration now and
		// then; a minute's worth at once still lets a busy NAT or a
		// deployment script register a batch, and what exceeds is told
		// when to retry.
		RegistrationRateLimit: RateLimit{PerAddress: 20, PerToken: 10},
		Audit:                 Audit{Retain: 90 * 24 * 3600, DenialsPerMinute: 10},
		Roles:                 slices.Clone(AllRoles),
	}
}

// Source names one layer of settings: key → value, keys as in YAML.
type Source map[string]string

// keys lists every scalar setting, its env variable, and where it lands.
var keys = []struct {
	name string
	env  string
	set  func(*Config, string)
}{
	{"listen", "REGISTRAR_LISTEN", func(c *Config, v string) { c.Listen = v }},
	{"db", "REGISTRAR_DB", func(c *Config, v string) { c.DB = v }},
	{"base_url", "REGISTRAR_BASE_URL", func(c *Config, v string) { c.BaseURL = v }},
	{"master_key_file", "REGISTRAR_MASTER_KEY_FILE", func(c *Config, v string) { c.MasterKeyFile = v }},
	{"log_level", "REGISTRAR_LOG_LEVEL", func(c *Config, v string) { c.LogLevel = v }},
	{"log_format", "REGISTRAR_LOG_FORMAT", func(c *Config, v string) { c.LogFormat = v }},
	{"key_refresh", "REGISTRAR_KEY_REFRESH", setKeyRefresh},
	{"trusted_proxies", "REGISTRAR_TRUSTED_PROXIES", func(c *Config, v string) { c.TrustedProxies = strings.Split(v, ",") }},
	{"metrics_listen", "REGISTRAR_METRICS_LISTEN", func(c *Config, v string) { c.MetricsListen = v }},
	{"tls_cert", "REGISTRAR_TLS_CERT", func(c *Config, v string) { c.TLSCert = v }},
	{"tls_key", "REGISTRAR_TLS_KEY", func(c *Config, v string) { c.TLSKey = v }},
	{"client_ca", "REGISTRAR_CLIENT_CA", func(c *Config, v string) { c.ClientCA = v }},
	{"client_cert_header", "REGISTRAR_CLIENT_CERT_HEADER", func(c *Config, v string) { c.ClientCertHeader = v }},
	{"roles", "REGISTRAR_ROLES", setRoles},
	{"registration_endpoint", "REGISTRAR_REGISTRATION_ENDPOINT", func(c *Config, v string) { c.RegistrationEndpoint = v }},
}

func setKeyRefresh(c *Config, v string) {
	d, err := workspace.ParseDuration(v)
	if err != nil {
		c.badKeyRefresh = v
		return
	}
	c.KeyRefresh, c.badKeyRefresh = d, ""
}

// Load builds the Config: defaults, then the YAML file (path from flags or
// REGISTRAR_CONFIG), then the environment, then flags (only those the user
// set). It validates the result and returns every problem at once.
func Load(flags Source, getenv func(string) string) (Config, error) {
	cfg := Default()
	path := flags["config"]
	if path == "" {
		path = getenv("REGISTRAR_CONFIG")
	}
	// A file that parses but holds unknown keys or values of the wrong
	// type is read on: its other values are checked too, so that one pass
	// reports every problem (fileErr) with the value problems.
	var fileErr error
	if path != "" {
		var err error
		if fileErr, err = loadFile(&cfg, path); err != nil {
			return Config{}, err
		}
	}
	cfg.origin = map[string]string{}
	for _, k := range keys {
		if v := getenv(k.env); v != "" {
			k.set(&cfg, v)
			cfg.origin[k.name] = k.env
		}
	}
	cfg.MasterKey = getenv("REGISTRAR_MASTER_KEY")
	for _, k := range keys {
		if v, ok := flags[k.name]; ok {
			k.set(&cfg, v)
			cfg.origin[k.name] = "--" + strings.ReplaceAll(k.name, "_", "-")
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL, cfg.baseURLFromListen = cfg.Scheme()+"://"+defaultHost(cfg.Listen), true
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.RegistrationEndpoint = strings.TrimRight(cfg.RegistrationEndpoint, "/")
	if err := cfg.validate(fileProblems(fileErr)); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// fileProblems lists err, the problems of the file found while decoding it.
func fileProblems(err error) []error {
	if err == nil {
		return nil
	}
	return []error{err}
}

// loadFile decodes the file at path onto cfg. A file that cannot be read
// or parsed is fatal; the problems of one that parses (unknown keys,
// values of the wrong type) are returned as problems, the rest of the file
// decoded.
func loadFile(cfg *Config, path string) (problems, fatal error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	// An empty file is no settings, not an error.
	decErr := dec.Decode(cfg)
	if errors.Is(decErr, io.EOF) {
		decErr = nil
	}
	// The tree errors are about, to name their keys and lines: yaml.v3's
	// now, Validate's later. The file parsed once already, so a second
	// parse fails only where the first did.
	file := &yamlFile{path: path}
	yaml.Unmarshal(raw, &file.doc)
	if decErr != nil {
		readable := fmt.Errorf("config file %s: %w", path, readableYAMLError(decErr, &file.doc))
		var te *yaml.TypeError
		if !errors.As(decErr, &te) {
			return nil, readable // a syntax error: nothing more can be read
		}
		decErr = readable
	}
	cfg.file = file
	return decErr, nil
}

// Bound records the address the listener got. With port 0 (any free port)
// the issuer made from the listen address would name port 0; it names the
// port the listener got instead, keeping the configured host (a host name
// must not turn into the IP it resolved to). Any other listen address, and
// a base_url the user set, are left alone.
func (c *Config) Bound(addr string) {
	host, port, err := net.SplitHostPort(c.Listen)
	_, bound, berr := net.SplitHostPort(addr)
	if err != nil || berr != nil || port != "0" {
		return // the configured address stands, host name and all
	}
	c.Listen = net.JoinHostPort(host, bound)
	if c.baseURLFromListen {
		c.BaseURL = c.Scheme() + "://" + defaultHost(c.Listen)
	}
}

// MasterKeySource names where the master key comes from, for messages:
// the environment variable, or the key file (made absolute, so that a
// command run in the wrong folder shows which folder it looked in).
func (c Config) MasterKeySource() string {
	if c.MasterKey != "" {
		return "REGISTRAR_MASTER_KEY"
	}
	return "key file " + AbsPath(c.MasterKeyFile)
}

// AbsPath is path made absolute, or path itself if that fails: a message
// about a file shows the folder it was looked for in.
func AbsPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// TLS reports whether the listener serves HTTPS itself.
func (c Config) TLS() bool { return c.TLSCert != "" || c.TLSKey != "" }

// Scheme is the listener's URL scheme: https when it serves TLS.
func (c Config) Scheme() string {
	if c.TLS() {
		return "https"
	}
	return "http"
}

// defaultHost turns a listen address into a host:port usable in a URL
// (":8080" → "localhost:8080").
func defaultHost(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// Validate reports every problem, each naming its key and where its value
// came from (see problem). What it parses to check, it keeps: see Proxies.
func (c *Config) Validate() error { return c.validate(nil) }

// validate is Validate reporting errs, the file's problems, first.
func (c *Config) validate(errs []error) error {
	_, _, listenErr := net.SplitHostPort(c.Listen)
	if listenErr != nil {
		errs = append(errs, c.errorf("listen", "%q is not host:port", c.Listen))
	}
	if _, _, err := net.SplitHostPort(c.MetricsListen); !MetricsOff(c.MetricsListen) && err != nil {
		errs = append(errs, c.errorf("metrics_listen", "%q is not host:port", c.MetricsListen))
	}
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, c.errorf("db", "%q must be sqlite:PATH or postgres://…", store.RedactDSN(c.DB)))
	}
	if err := validateBaseURL(c.BaseURL); err != nil && !(listenErr != nil && c.baseURLFromListen) {
		if c.baseURLFromListen {
			// The user set no base_url: the key to edit is one of two.
			err = fmt.Errorf("not set, so made from listen %q: %w; set base_url to the https URL clients use, or listen on a loopback host",
				c.Listen, err)
			errs = append(errs, c.problem("base_url", "listen", err))
		} else {
			errs = append(errs, c.problem("base_url", "base_url", err))
		}
	}
	if c.MasterKey == "" && c.MasterKeyFile == "" {
		errs = append(errs, c.errorf("master_key_file", "set it, or REGISTRAR_MASTER_KEY"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, c.errorf("log_level", "%q is not one of debug, info, warn, error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, c.errorf("log_format", "%q is not one of text, json", c.LogFormat))
	}
	if c.badKeyRefresh != "" {
		errs = append(errs, c.errorf("key_refresh", "%q is not a duration %s", c.badKeyRefresh, durationExamples))
	} else if c.KeyRefresh < 100*time.Millisecond || c.KeyRefresh > time.Hour {
		errs = append(errs, c.errorf("key_refresh", "must be a duration between 100ms and 1h"))
	}
	proxies, proxyErrs := c.parseProxies()
	errs = append(errs, proxyErrs...)
	errs = append(errs, c.validateTLS()...)
	errs = append(errs, c.validateLimits()...)
	errs = append(errs, c.validateWorkspaces()...)
	roles, roleErrs := c.parseRoles()
	errs = append(errs, roleErrs...)
	errs = append(errs, c.validateRegistrationEndpoint()...)
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration:\n%w", errors.Join(errs...))
	}
	c.proxies, c.Roles = proxies, roles
	return nil
}

// validateTLS checks the TLS settings that go together. The files
// themselves are read when serving starts, which names any that is bad.
func (c Config) validateTLS() []error {
	var errs []error
	if c.TLSCert == "" && c.TLSKey != "" {
		errs = append(errs, c.errorf("tls_cert", "set it with tls_key: both, or neither for plain HTTP"))
	}
	if c.TLSKey == "" && c.TLSCert != "" {
		errs = append(errs, c.errorf("tls_key", "set it with tls_cert: both, or neither for plain HTTP"))
	}
	if c.TLS() && !c.baseURLFromListen && strings.HasPrefix(c.BaseURL, "http://") {
		errs = append(errs, c.errorf("base_url", "%q must be https when the listener serves TLS", c.BaseURL))
	}
	// A header anyone may send must come from a proxy that overwrites it.
	if c.ClientCertHeader != "" && len(c.TrustedProxies) == 0 {
		errs = append(errs, c.errorf("client_cert_header", "set trusted_proxies too: the header is read only from them"))
	}
	if c.ClientCertHeader != "" && !validHeaderName(c.ClientCertHeader) {
		errs = append(errs, c.errorf("client_cert_header", "%q is not a header name", c.ClientCertHeader))
	}
	return errs
}

// validHeaderName: an RFC 9110 token.
func validHeaderName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return s != ""
}

// validateLimits checks the abuse limits.
func (c Config) validateLimits() []error {
	var errs []error
	for _, l := range []struct {
		key string
		v   int
	}{
		{"registration_rate_limit.per_address", c.RegistrationRateLimit.PerAddress},
		{"registration_rate_limit.per_token", c.RegistrationRateLimit.PerToken},
		{"audit.denials_per_minute", c.Audit.DenialsPerMinute},
	} {
		if l.v < 0 {
			errs = append(errs, c.errorf(l.key, "must be 0 (no limit) or a number a minute"))
		}
	}
	if c.Audit.Retain != 0 && c.Audit.Retain.Duration() < time.Hour {
		errs = append(errs, c.errorf("audit.retain", "must be 0 (keep forever) or at least 1h"))
	}
	return errs
}

// parseProxies parses the trusted proxies one entry at a time, so that
// every bad entry is reported, each on its own line of a file. Blank
// entries (",," in the environment) are skipped.
func (c Config) parseProxies() ([]netip.Prefix, []error) {
	var proxies []netip.Prefix
	var errs []error
	for i, entry := range c.TrustedProxies {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parseProxy(entry)
		if err != nil {
			errs = append(errs, c.problem("trusted_proxies", fmt.Sprintf("trusted_proxies[%d]", i), err))
			continue
		}
		proxies = append(proxies, p)
	}
	return proxies, errs
}

// parseProxy reads an address ("::1") as a one-address prefix, or a CIDR
// prefix ("10.0.0.0/8"), masked.
func parseProxy(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Proxies are the trusted proxies as Validate (which Load calls) parsed
// them (see httpapi.ClientAddress); none before a successful Validate.
func (c Config) Proxies() []netip.Prefix { return c.proxies }

// validateBaseURL: the issuer must be https (RFC 8414 §2, OIDC Discovery
// §3) except on a loopback host, where plain http serves development.
func validateBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must have no query, fragment or user info", raw)
	}
	// Registrar serves /{workspace}/… at the root of its listener; with a
	// path prefix discovery would name URLs that the login forms and
	// cookies (made from the request path) do not match.
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%q must have no path: workspaces are served at the root, as {base_url}/{workspace}", raw)
	}
	if u.Scheme == "http" && !client.IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q must use https unless the host is loopback", raw)
	}
	return nil
}

// validateWorkspaces checks the workspaces, which only the file declares.
func (c Config) validateWorkspaces() []error {
	var errs []error
	seen := map[string]bool{}
	for i, w := range c.Workspaces {
		name := fmt.Sprintf("workspaces[%d].name", i)
		if err := workspace.ValidateName(w.Name); err != nil {
			errs = append(errs, c.problem(name, name, err))
		}
		if seen[w.Name] {
			errs = append(errs, c.errorf(name, "%q declared twice", w.Name))
		}
		seen[w.Name] = true
		for _, err := range w.Settings.Validate() {
			key := fmt.Sprintf("workspaces[%d] (%s).%s", i, w.Name, err.Key)
			path := fmt.Sprintf("workspaces[%d].%s", i, err.Path())
			errs = append(errs, c.problem(key, path, errors.New(err.Msg)))
		}
	}
	return errs
}

// WorkspaceSettings returns the settings declared for name, or the
// defaults when it is not declared.
func (c Config) WorkspaceSettings(name string) (workspace.Settings, bool) {
	for _, w := range c.Workspaces {
		if w.Name == name {
			return w.Settings, true
		}
	}
	return workspace.DefaultSettings(), false
}
