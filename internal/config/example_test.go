package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestExampleIsDocumented: docs/registrar.example.yaml is the file
// `registrar init` writes, byte for byte.
func TestExampleIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "registrar.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, ExampleYAML) {
		t.Fatal("docs/registrar.example.yaml differs from internal/config/example.yaml: copy one over the other")
	}
}

// TestExampleLoads: the example, with its commented-out settings left
// out, is the defaults; with them put in, it still loads (so the values
// it shows are valid ones).
func TestExampleLoads(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "registrar.yaml")
	os.WriteFile(plain, ExampleYAML, 0o600)
	cfg, err := Load(Source{"config": plain}, env(nil))
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	want := Default()
	if cfg.Listen != want.Listen || cfg.DB != want.DB || cfg.MasterKeyFile != want.MasterKeyFile || !cfg.LogAccess ||
		cfg.Audit != want.Audit || cfg.RegistrationRateLimit != want.RegistrationRateLimit || len(cfg.Workspaces) != 0 {
		t.Errorf("the example's values are not the defaults: %+v", cfg)
	}
	full := filepath.Join(dir, "full.yaml")
	os.WriteFile(full, []byte(uncommented(string(ExampleYAML))), 0o600)
	// client_cert_header is read only from trusted proxies, which the
	// example leaves at their default, none.
	cfg, err = Load(Source{"config": full, "trusted_proxies": "10.0.0.0/8"}, env(nil))
	if err != nil {
		t.Fatalf("the example with every setting uncommented does not load: %v", err)
	}
	if len(cfg.Workspaces) != 1 || cfg.Workspaces[0].Settings.AccessTokenTTL != 600 || cfg.Workspaces[0].Settings.RefreshTokenTTL != 30*24*3600 {
		t.Errorf("the example's workspace: %+v", cfg.Workspaces)
	}
}

// TestExampleListsEveryKey: every key the configuration takes is in the
// example (commented out or not), at its place, so a key added to Config
// or to a workspace's settings without a line there fails here.
func TestExampleListsEveryKey(t *testing.T) {
	// A key shown as an alternative is commented out once more.
	listed := exampleKeys(uncommented(uncommentedNested(string(ExampleYAML))))
	var missing []string
	for _, key := range configKeys(reflect.TypeFor[Config](), "") {
		if !slices.Contains(listed, key) {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Errorf("keys missing from internal/config/example.yaml (and docs/registrar.example.yaml): %v", missing)
	}
	if !slices.Contains(listed, "workspaces.registration.software_statement.issuers.jwks_uri") {
		t.Errorf("the key paths read from the example are wrong: %v", listed)
	}
}

// uncommented is the example with its commented-out settings put in:
// such a line is "# " at the start of the line, then the YAML line.
func uncommented(example string) string {
	var out []string
	for _, line := range strings.Split(example, "\n") {
		if rest, ok := strings.CutPrefix(line, "# "); ok && keyLineRE.MatchString(rest) {
			line = rest
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// uncommentedNested puts in the settings commented out within a
// commented-out block ("#   # key: value").
func uncommentedNested(example string) string {
	var out []string
	for _, line := range strings.Split(example, "\n") {
		if m := nestedKeyRE.FindStringSubmatch(line); m != nil && keyLineRE.MatchString(m[2]) {
			line = m[1] + m[2]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

var nestedKeyRE = regexp.MustCompile(`^(#\s+)# (.*)$`)

// keyLineRE matches a line that sets a key: its indentation, an optional
// list item dash, and the key.
var keyLineRE = regexp.MustCompile(`^(\s*)(- )?([a-z_]+):`)

// exampleKeys lists the dotted paths of the keys set in text (list
// entries add no step: workspaces.name).
func exampleKeys(text string) []string {
	type level struct {
		indent int
		key    string
	}
	var stack []level
	var keys []string
	for _, line := range strings.Split(text, "\n") {
		m := keyLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		indent := len(m[1]) + len(m[2])
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		path := m[3]
		if len(stack) > 0 {
			path = stack[len(stack)-1].key + "." + m[3]
		}
		stack = append(stack, level{indent, path})
		keys = append(keys, path)
	}
	return keys
}

// configKeys lists the dotted YAML paths of t's settings, into nested
// mappings and lists of mappings; a workspace's are its name and settings.
func configKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == reflect.TypeFor[Workspace]() {
			ft = reflect.TypeFor[struct {
				Name               string `yaml:"name"`
				workspace.Settings `yaml:",inline"`
			}]()
		}
		if opts == "inline" {
			keys = append(keys, configKeys(ft, prefix)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys = append(keys, prefix+name)
		if ft.Kind() == reflect.Struct && ft.PkgPath() != "time" {
			keys = append(keys, configKeys(ft, prefix+name+".")...)
		}
	}
	return keys
}

// TestLifetimesTakeDaysAndWeeks: every lifetime a workspace sets takes a
// unit, days and weeks included, as the retention periods do; a plain
// number is still seconds.
func TestLifetimesTakeDaysAndWeeks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("audit:\n  retain: 2w\nworkspaces:\n  - name: p\n    access_token_ttl: 15m\n    refresh_token_ttl: 2w\n"+
		"    id_token_ttl: 3600\n    jwks_max_age: 1m\n    login:\n      lockout: 1d\n    registration:\n      registration_token_ttl: 4w\n      unused_client_ttl: 1w\n"), 0o600)
	cfg, err := Load(Source{"config": file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Workspaces[0].Settings
	const day = 24 * 3600
	got := []int64{int64(cfg.Audit.Retain), s.AccessTokenTTL, s.RefreshTokenTTL, s.IDTokenTTL, s.JWKSMaxAge, s.Login.Lockout, s.Registration.RegistrationTokenTTL, int64(s.Registration.UnusedClientTTL)}
	want := []int64{14 * day, 900, 14 * day, 3600, 60, day, 28 * day, 7 * day}
	if !slices.Equal(got, want) {
		t.Errorf("lifetimes = %v, want %v", got, want)
	}
}

// TestOneErrorPassReportsEveryProblem: an unknown key, a value of the
// wrong type and a value out of range, each in the file, are reported
// together, so a user fixes the file once rather than once per problem.
func TestOneErrorPassReportsEveryProblem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("lisen: 127.0.0.1:8080\nlog_level: loud\nkey_refresh: [1]\nworkspaces:\n  - name: ok\n    scopes: [\"bad scope\"]\n"), 0o600)
	_, err := Load(Source{"config": file}, env(map[string]string{"REGISTRAR_LOG_FORMAT": "xml"}))
	for _, want := range []string{
		"line 1: lisen: unknown setting",
		"line 3: key_refresh: a list is not",
		`line 2: log_level: "loud" is not one of`,
		`line 6: workspaces[0] (ok).scopes`,
		`log_format (from REGISTRAR_LOG_FORMAT): "xml"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant it to contain %q", err, want)
		}
	}
}
