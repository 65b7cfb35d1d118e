// Package dn reads X.509 distinguished names, from RFC 4514 strings and
// from certificates, and compares them as names rather than as strings:
// "CN=tpp, O=Bank" and "cn=TPP,o=bank" are one name, "O=Bank,CN=tpp" is
// another, as is the same name with one attribute changed.
package dn

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Name is a distinguished name as a sequence of RDNs in X.509 order (the
// most general first, the reverse of the RFC 4514 string); each RDN is a
// set of attributes, usually one.
type Name []RDN

// RDN is a relative distinguished name.
type RDN []Attribute

// Attribute is one type and value. Value is the string value; a value
// given in RFC 4514 §2.4 hex form, or of a non-string ASN.1 type in a
// certificate, is kept as its DER in Raw instead.
type Attribute struct {
	Type  asn1.ObjectIdentifier
	Value string
	Raw   []byte
	// der is the value as a certificate encoded it, to compare with a
	// hex form.
	der []byte
}

// Attribute type names RFC 4514 §3 requires readers to know, and others
// found in the subject names of client certificates (RFC 4519, eIDAS).
var typeNames = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3}, "SN": {2, 5, 4, 4}, "SERIALNUMBER": {2, 5, 4, 5}, "C": {2, 5, 4, 6},
	"L": {2, 5, 4, 7}, "ST": {2, 5, 4, 8}, "STREET": {2, 5, 4, 9}, "O": {2, 5, 4, 10},
	"OU": {2, 5, 4, 11}, "TITLE": {2, 5, 4, 12}, "GN": {2, 5, 4, 42},
	"ORGANIZATIONIDENTIFIER": {2, 5, 4, 97},
	"DC":                     {0, 9, 2342, 19200300, 100, 1, 25},
	"UID":                    {0, 9, 2342, 19200300, 100, 1, 1},
	"EMAILADDRESS":           {1, 2, 840, 113549, 1, 9, 1}, "E": {1, 2, 840, 113549, 1, 9, 1},
}

// caseIgnored reports whether values of the type compare with
// caseIgnoreMatch (RFC 4517 §4.2.11, after RFC 4518's insignificant-space
// handling), as those of every type in typeNames do: name and its
// subtypes, serialNumber, c, dc and uid, emailAddress (caseIgnoreIA5Match).
// An unknown type, given by OID, is compared byte for byte, since its
// matching rule is not known here.
func caseIgnored(oid asn1.ObjectIdentifier) bool {
	for _, known := range typeNames {
		if known.Equal(oid) {
			return true
		}
	}
	return false
}

// Parse reads an RFC 4514 string ("CN=tpp,O=Bank,C=GB"). Spaces around
// the separators are allowed (RFC 1779 style), as registrations written
// by hand carry them.
func Parse(s string) (Name, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty distinguished name")
	}
	p := parser{s: s}
	var rdns []RDN
	for {
		rdn, err := p.rdn()
		if err != nil {
			return nil, err
		}
		rdns = append(rdns, rdn)
		if p.done() {
			break
		}
		if p.s[p.i] != ',' {
			return nil, fmt.Errorf("at offset %d: expected ',' between RDNs", p.i)
		}
		p.i++
	}
	// The string lists the most specific RDN first (RFC 4514 §2.1).
	for i, j := 0, len(rdns)-1; i < j; i, j = i+1, j-1 {
		rdns[i], rdns[j] = rdns[j], rdns[i]
	}
	return Name(rdns), nil
}

type parser struct {
	s string
	i int
}

func (p *parser) done() bool { return p.i >= len(p.s) }

func (p *parser) skipSpaces() {
	for !p.done() && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *parser) rdn() (RDN, error) {
	var rdn RDN
	for {
		a, err := p.attribute()
		if err != nil {
			return nil, err
		}
		rdn = append(rdn, a)
		if p.done() || p.s[p.i] != '+' {
			return rdn, nil
		}
		p.i++
	}
}

func (p *parser) attribute() (Attribute, error) {
	p.skipSpaces()
	eq := strings.IndexByte(p.s[p.i:], '=')
	if eq < 0 {
		return Attribute{}, fmt.Errorf("at offset %d: expected type=value", p.i)
	}
	typ, err := attributeType(strings.TrimSpace(p.s[p.i : p.i+eq]))
	if err != nil {
		return Attribute{}, err
	}
	p.i += eq + 1
	p.skipSpaces()
	a := Attribute{Type: typ}
	if !p.done() && p.s[p.i] == '#' {
		a.Raw, err = p.hexValue()
		return a, err
	}
	a.Value, err = p.stringValue()
	return a, err
}

func attributeType(s string) (asn1.ObjectIdentifier, error) {
	if oid, ok := typeNames[strings.ToUpper(s)]; ok {
		return oid, nil
	}
	var oid asn1.ObjectIdentifier
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || (len(part) > 1 && part[0] == '0') {
			return nil, fmt.Errorf("unknown attribute type %q (use a dotted OID for types other than %s)", s, "CN, O, OU, C, L, ST, STREET, DC, UID, SERIALNUMBER, ORGANIZATIONIDENTIFIER, EMAILADDRESS")
		}
		oid = append(oid, n)
	}
	if len(oid) < 2 {
		return nil, fmt.Errorf("unknown attribute type %q", s)
	}
	return oid, nil
}

// hexValue reads "#" followed by the hex of a BER value (RFC 4514 §2.4).
func (p *parser) hexValue() ([]byte, error) {
	start := p.i + 1
	end := start
	for end < len(p.s) && strings.IndexByte("0123456789abcdefABCDEF", p.s[end]) >= 0 {
		end++
	}
	der, err := hex.DecodeString(p.s[start:end])
	if err != nil || len(der) == 0 {
		return nil, fmt.Errorf("at offset %d: a value starting with # must be hex", p.i)
	}
	p.i = end
	p.skipSpaces()
	return der, p.endOfValue()
}

// stringValue reads an escaped value up to an unescaped ',' or '+'.
// Unescaped trailing spaces are insignificant; escaped ones are kept.
func (p *parser) stringValue() (string, error) {
	var b []byte
	keep := 0 // length of b up to its last significant byte
	for !p.done() {
		c := p.s[p.i]
		switch {
		case c == ',' || c == '+':
			return string(b[:keep]), nil
		case c == '\\':
			r, n, err := unescape(p.s[p.i+1:])
			if err != nil {
				return "", fmt.Errorf("at offset %d: %w", p.i, err)
			}
			b = append(b, r...)
			keep = len(b)
			p.i += 1 + n
		case c == '"' || c == ';' || c == '<' || c == '>':
			return "", fmt.Errorf("at offset %d: %q must be escaped with a backslash", p.i, c)
		default:
			b = append(b, c)
			if c != ' ' {
				keep = len(b)
			}
			p.i++
		}
	}
	if !utf8.Valid(b[:keep]) {
		return "", errors.New("value is not UTF-8")
	}
	return string(b[:keep]), nil
}

func (p *parser) endOfValue() error {
	if p.done() || p.s[p.i] == ',' || p.s[p.i] == '+' {
		return nil
	}
	return fmt.Errorf("at offset %d: unexpected %q after a value", p.i, p.s[p.i])
}

// unescape reads what follows a backslash: a special character, or two
// hex digits of one byte (RFC 4514 §2.4).
func unescape(s string) ([]byte, int, error) {
	if s == "" {
		return nil, 0, errors.New("a backslash ends the name")
	}
	if strings.IndexByte(`,+"\<>;= #`, s[0]) >= 0 {
		return []byte{s[0]}, 1, nil
	}
	if len(s) >= 2 {
		if v, err := hex.DecodeString(s[:2]); err == nil {
			return v, 2, nil
		}
	}
	return nil, 0, fmt.Errorf("bad escape \\%c", s[0])
}

// FromCertificate reads a certificate's RawSubject (or RawIssuer).
func FromCertificate(raw []byte) (Name, error) {
	var seq []asn1.RawValue // SEQUENCE OF RDN
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return nil, errors.New("malformed distinguished name")
	}
	var name Name
	for _, set := range seq {
		var atvs []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if _, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set"); err != nil {
			return nil, errors.New("malformed relative distinguished name")
		}
		var rdn RDN
		for _, atv := range atvs {
			a := Attribute{Type: atv.Type, der: atv.Value.FullBytes}
			var v any
			_, err := asn1.Unmarshal(atv.Value.FullBytes, &v)
			if s, ok := v.(string); ok && err == nil {
				a.Value = s
			} else {
				a.Raw = atv.Value.FullBytes
			}
			rdn = append(rdn, a)
		}
		name = append(name, rdn)
	}
	return name, nil
}

// Equal reports whether a and b are the same name: the same RDNs in the
// same order, each with the same attributes (in any order within the RDN,
// a set), each of the same type and a matching value.
func (a Name) Equal(b Name) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].equal(b[i]) {
			return false
		}
	}
	return true
}

func (r RDN) equal(o RDN) bool {
	if len(r) != len(o) {
		return false
	}
	used := make([]bool, len(o))
	for _, x := range r {
		found := false
		for j, y := range o {
			if !used[j] && x.equal(y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (x Attribute) equal(y Attribute) bool {
	if !x.Type.Equal(y.Type) {
		return false
	}
	if x.Raw != nil || y.Raw != nil {
		return x.encoded() != nil && bytes.Equal(x.encoded(), y.encoded())
	}
	if caseIgnored(x.Type) {
		return strings.EqualFold(insignificantSpace(x.Value), insignificantSpace(y.Value))
	}
	return x.Value == y.Value
}

// encoded is the DER of the value, when known: a hex form, or as a
// certificate encoded it.
func (x Attribute) encoded() []byte {
	if x.Raw != nil {
		return x.Raw
	}
	return x.der
}

// insignificantSpace applies RFC 4518 §2.6.1: leading and trailing spaces
// removed, inner runs of spaces taken as one.
func insignificantSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// String writes the name as RFC 4514 does (most specific RDN first), for
// messages.
func (a Name) String() string {
	var seq pkix.RDNSequence
	for _, rdn := range a {
		var set pkix.RelativeDistinguishedNameSET
		for _, x := range rdn {
			var v any = x.Value
			if x.Raw != nil {
				v = "#" + hex.EncodeToString(x.Raw)
			}
			set = append(set, pkix.AttributeTypeAndValue{Type: x.Type, Value: v})
		}
		seq = append(seq, set)
	}
	return seq.String()
}
