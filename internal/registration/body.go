package registration

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// MaxBodyBytes caps registration bodies (SPECS §0).
const MaxBodyBytes = 64 << 10

// bodyDecoder reads a request body of one media type (its parameters in
// params): the JSON metadata object, or a signed body (signed) whose
// payload it is, which only the service can verify, as only it knows the
// workspace's keys and rules.
type bodyDecoder func(w http.ResponseWriter, r *http.Request, params map[string]string) (body []byte, signed bool, err error)

// bodyDecoders has one decoder per accepted media type (RFC 7591 §3.1).
// A signed body is a compact JWS, application/jose (RFC 7515 §9.2.1);
// application/jwt (RFC 7519 §10.3.1), which some clients send for a JWS
// carrying claims, is read the same.
var bodyDecoders = map[string]bodyDecoder{
	"application/json": decodeJSONBody,
	"application/jose": decodeSignedBody,
	"application/jwt":  decodeSignedBody,
}

// decodeBody reads a registration or update body by its content type;
// any other type is refused.
func decodeBody(w http.ResponseWriter, r *http.Request) (body []byte, signed bool, err error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	decode, ok := bodyDecoders[mt]
	if err != nil || !ok {
		return nil, false, errContentType()
	}
	return decode(w, r, params)
}

func errContentType() error {
	return oautherr.InvalidMetadata("content type must be application/json (in UTF-8), or application/jose for a signed request")
}

// decodeJSONBody: JSON exchanged between systems is UTF-8 (RFC 8259 §8.1)
// and is decoded as such, so a body that says it is in another charset is
// refused like any other content type, rather than read as something it
// says it is not.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, params map[string]string) ([]byte, bool, error) {
	if charset, named := params["charset"]; named && !strings.EqualFold(charset, "utf-8") {
		return nil, false, errContentType()
	}
	body, err := readBody(w, r)
	return body, false, err
}

// decodeSignedBody reads a compact JWS, without the line end a file sent
// with curl --data-binary keeps.
func decodeSignedBody(w http.ResponseWriter, r *http.Request, _ map[string]string) ([]byte, bool, error) {
	body, err := readBody(w, r)
	return bytes.TrimSpace(body), true, err
}

// readBody reads at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// RFC 7591 §3.2.2: every refused registration is a 400 with an
		// RFC 7591 code, an oversized one included.
		return nil, oautherr.InvalidMetadata("request body exceeds %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return nil, oautherr.InvalidMetadata("request body could not be read")
	}
	return body, nil
}
