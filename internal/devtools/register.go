package devtools

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Registration is one RFC 7591 registration request to send.
type Registration struct {
	Endpoint string
	// Metadata is the client metadata; nil sends {}.
	Metadata Claims
	// Statement, when set, is added as software_statement (RFC 7591 §3.1.1).
	Statement string
	// SignWith, when set, sends the metadata as a compact JWS (Content-Type
	// application/jose) signed with it, with Iss and Aud (see SignedBody).
	SignWith *Key
	Iss, Aud string
	// InitialAccessToken, when set, is sent as a Bearer token (RFC 7591 §3);
	// on an update, the token that authorizes it.
	InitialAccessToken string
	// Method is POST (a registration, the default when empty) or PUT (an
	// RFC 7592 update of the client whose URL is Endpoint).
	Method string
	Now    time.Time
}

// Answer is the server's answer: the status and the JSON body.
type Answer struct {
	Status int
	Body   []byte
}

// OK reports a 2xx answer.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Err describes a refusal by its RFC 7591 §3.2.2 error and description.
func (a Answer) Err() error {
	if a.OK() {
		return nil
	}
	var e struct {
		Code        string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(a.Body, &e) != nil || e.Code == "" {
		return fmt.Errorf("registration refused: HTTP %d", a.Status)
	}
	if e.Description == "" {
		return fmt.Errorf("registration refused: HTTP %d %s", a.Status, e.Code)
	}
	return fmt.Errorf("registration refused: HTTP %d %s: %s", a.Status, e.Code, e.Description)
}

// Body returns the request body r describes and its content type:
// JSON, or with SignWith a compact JWS as application/jose.
func (r Registration) Body() (contentType string, body []byte, err error) {
	md := Claims{}
	for name, v := range r.Metadata {
		md[name] = v
	}
	if r.Statement != "" {
		md["software_statement"] = strings.TrimSpace(r.Statement)
	}
	if r.SignWith == nil {
		body, err = json.Marshal(md)
		return "application/json", body, err
	}
	jws, err := SignedBody(*r.SignWith, r.Iss, r.Aud, md, r.Now)
	return "application/jose", []byte(jws), err
}

// NewRequest builds the HTTP request r describes.
func (r Registration) NewRequest(ctx context.Context) (*http.Request, error) {
	contentType, body, err := r.Body()
	if err != nil {
		return nil, err
	}
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, r.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	if r.InitialAccessToken != "" {
		req.Header.Set("Authorization", "Bearer "+r.InitialAccessToken)
	}
	return req, nil
}

// maxAnswer bounds the answer read: a registration response is a few KiB.
const maxAnswer = 1 << 20

// Register sends r with c and returns the answer, whatever its status.
func Register(ctx context.Context, c *http.Client, r Registration) (Answer, error) {
	req, err := r.NewRequest(ctx)
	if err != nil {
		return Answer{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return Answer{Status: resp.StatusCode, Body: body}, err
}

// SoftwareID reads the software_id claim of a statement without verifying
// it: the signer of a registration body names itself by it.
func SoftwareID(statement string) (string, error) {
	parts := strings.Split(strings.TrimSpace(statement), ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("the statement is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("the statement's payload is not base64url")
	}
	var c struct {
		SoftwareID string `json:"software_id"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.SoftwareID == "" {
		return "", fmt.Errorf("the statement has no software_id")
	}
	return c.SoftwareID, nil
}
