package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// ceiling serves h on loopback for the length of a measurement: the best
// any handler doing that much work could do on this machine now.
func ceiling(ctx context.Context, name string, h http.Handler, o Options) (Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/token"
	return Run(ctx, name, o.Connections, o.Warmup, o.Duration, func(int) (Step, error) {
		return func(ctx context.Context, c *http.Client) error {
			_, err := send(ctx, c, http.MethodPost, url, "application/x-www-form-urlencoded", "grant_type=client_credentials", "", 200)
			return err
		}, nil
	})
}

// bareHandler answers a small JSON object and nothing else.
func bareHandler() http.Handler {
	body := []byte(`{"access_token":"x","token_type":"Bearer","expires_in":600}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

// signingHandler signs one RFC 9068-shaped ES256 JWT per request.
func signingHandler() (http.Handler, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		claims, _ := json.Marshal(map[string]any{"iss": "http://127.0.0.1/default", "sub": "client", "aud": "http://127.0.0.1/default",
			"exp": now.Add(10 * time.Minute).Unix(), "iat": now.Unix(), "jti": now.UnixNano(), "client_id": "client", "scope": "dcr"})
		hdr := jws.NewHeaders()
		hdr.Set(jws.TypeKey, "at+jwt")
		tok, err := jws.Sign(claims, jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(hdr)))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		body, _ := json.Marshal(map[string]any{"access_token": string(tok), "token_type": "Bearer", "expires_in": 600})
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}), nil
}
