package adminapi

import (
	_ "embed"
	"net/http"

	"github.com/registrar-dev/registrar/internal/httpapi"
)

// openAPI describes the API (OpenAPI 3.1). It is written by hand, not
// made from the route table, so that the test comparing the two catches
// a route added without its documentation, or the reverse.
//
//go:embed openapi.json
var openAPI []byte

func handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	httpapi.WritePublicJSON(w, openAPI, 300)
}
