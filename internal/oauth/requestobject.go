package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// requestObjectTyp is the typ RFC 9101 §10.8 has a request object carry;
// "JWT" or none is accepted too, as most clients still send, but not the
// typ of another kind of JWT, which could then be replayed as a request.
const requestObjectTyp = "oauth-authz-req+jwt"

// requestObjectMaxLifetime bounds exp − nbf (or exp − now), and so how old
// nbf may be: FAPI 1 Advanced §5.2.2-13/17 and FAPI 2.0 Message Signing ask
// for at most 60 minutes, a bound that costs an honest client nothing.
const requestObjectMaxLifetime = time.Hour

// requestObjectSkew is how far ahead of our clock a client's nbf may be.
const requestObjectSkew = 60 * time.Second

// selfClaims are the claims a request object carries about itself, not
// authorization request parameters (RFC 9101 §4).
var selfClaims = []string{"iss", "aud", "exp", "nbf", "iat", "jti", "sub"}

func errRequestObject(format string, args ...any) *oautherr.Error {
	return oautherr.New(oautherr.InvalidRequestObject, "the request object "+format, args...)
}

// requestObjectClaims are the claims checked of a signed request object.
type requestObjectClaims struct {
	Issuer    string   `json:"iss"`
	Audience  audience `json:"aud"`
	Expiry    *float64 `json:"exp"`
	NotBefore *float64 `json:"nbf"`
}

// requestObjectParams verifies the request object p carries for cl and
// returns the authorization request it holds. RFC 9101 §6.3: only the
// object's parameters count, not the query's; client_id and response_type,
// which OIDC Core §6.1 also has in the query, must be the object's.
func (s *Service) requestObjectParams(ctx context.Context, ws workspace.Workspace, cl client.Client, p Params) (Params, error) {
	token, err := p.single("request")
	if err != nil {
		return nil, err
	}
	payload, signed, err := s.verifyRequestObject(ctx, ws, cl, token)
	if err != nil {
		return nil, err
	}
	obj, err := strictjson.DecodeNamedObject("the request object", payload)
	if err != nil {
		return nil, errRequestObject("payload is not a JSON object: %v", err)
	}
	if signed {
		if err := s.checkRequestObjectClaims(ws, cl, payload); err != nil {
			return nil, err
		}
	}
	params, err := claimsAsParams(obj)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"client_id", "response_type"} {
		got, ok := params[name]
		query, _ := p.single(name)
		if ok && query != "" && !slices.Equal(got, []string{query}) {
			return nil, errRequestObject("has %s other than the request's", name)
		}
	}
	if got, ok := params["client_id"]; ok && !slices.Equal(got, []string{cl.ID}) {
		return nil, errRequestObject("has client_id other than the client's")
	}
	if _, ok := params["request"]; ok {
		return nil, errRequestObject("must not contain request")
	}
	if _, ok := params["request_uri"]; ok {
		return nil, errRequestObject("must not contain request_uri")
	}
	params["client_id"] = []string{cl.ID}
	return params, nil
}

// verifyRequestObject checks the object's header and signature against
// the keys cl registered, under its request_object_signing_alg (OIDC
// Registration §2: every other alg is refused) or else the workspace's
// asymmetric algs, and returns its payload and whether it was signed. An
// unsigned object (alg none) passes only for a client registered for none
// in a workspace that still admits them.
func (s *Service) verifyRequestObject(ctx context.Context, ws workspace.Workspace, cl client.Client, token string) ([]byte, bool, error) {
	h, err := jose.ParseHeader(token)
	if err != nil {
		return nil, false, errRequestObject("is not a compact JWS: %s", unwrapSignature(err))
	}
	if typ := strings.TrimPrefix(strings.ToLower(h.Typ), "application/"); typ != "" && typ != "jwt" && typ != requestObjectTyp {
		return nil, false, errRequestObject("has typ %q; use %s", h.Typ, requestObjectTyp)
	}
	registered := cl.Metadata.RequestObjectSigningAlg
	if h.Alg == client.UnsignedRequestObject {
		payload, err := unsignedPayload(token)
		if err != nil {
			return nil, false, err
		}
		if registered != client.UnsignedRequestObject || !ws.Settings.RequestObjects.AllowUnsigned {
			return nil, false, errRequestObject("is unsigned (alg none); sign it with a key the client registered")
		}
		return payload, false, nil
	}
	algs := ws.Settings.AssertionAlgs()
	if registered != "" {
		algs = slices.DeleteFunc(slices.Clone(algs), func(a string) bool { return a != registered })
	}
	keys, err := clientKeySet(ctx, s.Fetcher, cl)
	if err != nil {
		return nil, false, err
	}
	payload, _, err := jose.Verifier{Keys: keys, Algs: algs}.Verify(ctx, token)
	if err != nil {
		if !errors.Is(err, jose.ErrInvalidSignature) {
			httpapi.Logger(ctx).Warn("request object: the client's keys could not be read", "client_id", cl.ID, "err", err)
			return nil, false, errRequestObject("could not be verified: the client's keys could not be read")
		}
		return nil, false, errRequestObject("is not signed by a key the client registered with an alg allowed (%s): %s", strings.Join(algs, ", "), unwrapSignature(err))
	}
	return payload, true, nil
}

// unsignedPayload reads an unsigned JWS (RFC 7519 §6.1): its signature
// is empty.
func unsignedPayload(token string) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[2] != "" {
		return nil, errRequestObject("with alg none must have an empty signature")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errRequestObject("payload is not base64url")
	}
	return payload, nil
}

// checkRequestObjectClaims: RFC 9101 §4 and FAPI — iss is the client, aud
// names this issuer, exp is required and in the future, nbf is not in the
// future, and the object lives at most requestObjectMaxLifetime from nbf
// (or now) to exp. With exp in the future, that also keeps nbf within
// requestObjectMaxLifetime of now, as FAPI asks.
func (s *Service) checkRequestObjectClaims(ws workspace.Workspace, cl client.Client, payload []byte) error {
	var c requestObjectClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return errRequestObject("has malformed iss, aud, exp or nbf")
	}
	if c.Issuer != cl.ID {
		return errRequestObject("must have iss equal to the client_id")
	}
	if !slices.Contains(c.Audience, s.Issuer(ws)) {
		return errRequestObject("must have aud naming the issuer %s", s.Issuer(ws))
	}
	now := s.Time()
	if c.Expiry == nil {
		return errRequestObject("has no exp")
	}
	exp := numericDate(*c.Expiry)
	if !now.Before(exp) {
		return errRequestObject("has expired")
	}
	start := now
	if c.NotBefore != nil {
		start = numericDate(*c.NotBefore)
		if start.After(now.Add(requestObjectSkew)) {
			return errRequestObject("is not valid yet (nbf)")
		}
	}
	if exp.Sub(start) > requestObjectMaxLifetime {
		return errRequestObject("lives too long: exp − nbf (or exp − now without nbf) exceeds %d minutes", int(requestObjectMaxLifetime/time.Minute))
	}
	return nil
}

// claimsAsParams turns the object's members into request parameters: a
// string as it is, a number as written, an array of strings as repeated
// values (resource), an object (claims) as its JSON text.
func claimsAsParams(obj map[string]json.RawMessage) (Params, error) {
	params := Params{}
	for name, raw := range obj {
		if slices.Contains(selfClaims, name) {
			continue
		}
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
		case raw[0] == '"':
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, errRequestObject("member %s is malformed", name)
			}
			params[name] = []string{v}
		case raw[0] == '[':
			var vs []string
			if err := json.Unmarshal(raw, &vs); err != nil {
				return nil, errRequestObject("member %s must be an array of strings", name)
			}
			params[name] = vs
		default:
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				return nil, errRequestObject("member %s is malformed", name)
			}
			params[name] = []string{compact.String()}
		}
	}
	return params, nil
}
