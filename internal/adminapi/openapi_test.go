package adminapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/admin"
)

// recordingMux is a real ServeMux that also keeps the patterns
// registered on it.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *recordingMux) Handle(p string, h http.Handler) {
	m.patterns = append(m.patterns, p)
	m.ServeMux.Handle(p, h)
}

func (m *recordingMux) HandleFunc(p string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(p, http.HandlerFunc(h))
}

// documented returns "METHOD path" for every operation of openapi.json.
func documented(t *testing.T) []string {
	t.Helper()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// TestOpenAPIMatchesRoutes: every route Routes registers is documented,
// and every documented operation reaches its own route on a real mux
// (not the catch-all 404), with the method and path the document says.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	(&Handler{}).Routes(mux)
	ops := documented(t)
	for _, p := range mux.patterns {
		method, _, hasMethod := strings.Cut(p, " ")
		if !hasMethod || method == "" {
			continue // the catch-all under the prefix
		}
		if p == "GET "+Prefix+"/openapi.json" {
			continue // the document itself
		}
		if !slices.Contains(ops, p) {
			t.Errorf("route %s is not in openapi.json", p)
		}
	}
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		concrete := strings.NewReplacer("{ws}", "some-ws", "{id}", "some-id").Replace(path)
		req := httptest.NewRequest(method, concrete, nil)
		if _, pattern := mux.Handler(req); pattern != op {
			t.Errorf("documented %s reaches %q on the mux", op, pattern)
		}
	}
}

// TestOpenAPIServed: the document is served as it is embedded, to
// anyone: it holds no data.
func TestOpenAPIServed(t *testing.T) {
	mux := http.NewServeMux()
	(&Handler{}).Routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", Prefix+"/openapi.json", nil))
	if rec.Code != 200 || rec.Body.String() != string(openAPI) {
		t.Fatalf("openapi.json: %d", rec.Code)
	}
}

// TestOpenAPIAuditTypes: the audit filter's documented types are the
// ones the service takes.
func TestOpenAPIAuditTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Parameters map[string]struct {
				Name   string `json:"name"`
				Schema struct {
					Enum []string `json:"enum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Components.Parameters {
		if p.Name == "type" {
			if !slices.Equal(p.Schema.Enum, admin.AuditTypes) {
				t.Fatalf("documented %v, the service takes %v", p.Schema.Enum, admin.AuditTypes)
			}
			return
		}
	}
	t.Fatal("no type parameter documented")
}
