package jose

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// Signer signs with one private key, for the one algorithm it serves.
type Signer struct {
	kid     string
	alg     jwa.SignatureAlgorithm
	private crypto.Signer
	// headers caches the encoded protected header per typ (see Sign).
	headers sync.Map
}

// NewSigner returns a Signer of private for alg, naming it kid in the
// header of what it signs.
func NewSigner(kid, alg string, private crypto.Signer) (*Signer, error) {
	a, err := sigAlg(alg)
	if err != nil {
		return nil, err
	}
	if !keyFits(alg, private.Public()) {
		return nil, fmt.Errorf("a %T cannot sign %s", private, alg)
	}
	return &Signer{kid: kid, alg: a, private: private}, nil
}

// Sign serialises claims with encoding/json and signs them as a compact JWS
// (RFC 7515 §7.1), with protected headers alg, kid and typ (typ omitted
// when ""). No jku, x5u or jwk header is ever set: verifiers must find our
// keys through our JWKS (RFC 8725 §3.10).
//
// Sign runs on every token request, so it assembles the compact form
// itself around jwx's signature primitive (jwsbb.Sign): the encoded
// header is computed once per typ, and nothing is parsed per call.
func (s *Signer) Sign(typ string, claims any) (string, error) {
	hdr, err := s.encodedHeader(typ)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(hdr)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(maxSigSize))
	buf = append(append(buf, hdr...), '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := jwsbb.Sign(s.private, s.alg.String(), buf, nil)
	if err != nil {
		return "", fmt.Errorf("sign with %s key %s: %w", s.alg, s.kid, err)
	}
	buf = enc.AppendEncode(append(buf, '.'), sig)
	return string(buf), nil
}

// maxSigSize is the largest signature we produce (RSA 2048: 256 bytes;
// ES256: 64), for sizing the output buffer once.
const maxSigSize = 256

// protectedHeader is the whole JOSE header we emit, in a fixed order.
type protectedHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ,omitempty"`
}

// encodedHeader returns base64url(JSON header) for typ, cached: callers
// use a handful of typ values (JWT, at+jwt, …).
func (s *Signer) encodedHeader(typ string) ([]byte, error) {
	if v, ok := s.headers.Load(typ); ok {
		return v.([]byte), nil
	}
	raw, err := json.Marshal(protectedHeader{Alg: s.alg.String(), Kid: s.kid, Typ: typ})
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding.AppendEncode(nil, raw)
	s.headers.Store(typ, enc)
	return enc, nil
}
