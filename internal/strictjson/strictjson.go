// Package strictjson decodes JSON from strangers strictly. It is a leaf:
// it imports nothing of ours.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds nesting in bodies from strangers.
const MaxDepth = 16

// DecodeObject strictly decodes a JSON object from a stranger: valid UTF-8,
// an object at the top level, no duplicate member names at any depth
// (RFC 7515 §4 / RFC 8259 §4 leave duplicates undefined; we refuse them so
// two parsers can never disagree), nesting at most MaxDepth, and
// nothing after the object. Member names keep their exact spelling:
// encoding/json's case-insensitive field matching is never applied, so
// "Redirect_URIs" stays an unknown member rather than becoming redirect_uris.
func DecodeObject(body []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("body is not valid UTF-8")
	}
	if err := checkStructure(body); err != nil {
		return nil, err
	}
	if err := checkSurrogates(body); err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, errors.New("body must be a JSON object")
	}
	return obj, nil
}

// DecodeNamedObject is DecodeObject for a document that is not a request
// body, such as a JWT's payload: its errors name the document as what
// ("its payload is not valid JSON"), so that no one looks for the fault
// in a body that was fine.
func DecodeNamedObject(what string, doc []byte) (map[string]json.RawMessage, error) {
	obj, err := DecodeObject(doc)
	if err != nil {
		if rest, ok := strings.CutPrefix(err.Error(), "body "); ok {
			return nil, errors.New(what + " " + rest)
		}
	}
	return obj, err
}

// checkStructure walks the tokens once, checking the top-level type,
// duplicate names, depth and trailing data.
func checkStructure(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	first, err := dec.Token()
	if err != nil {
		return errors.New("body is not valid JSON")
	}
	if d, ok := first.(json.Delim); !ok || d != '{' {
		return errors.New("body must be a JSON object")
	}
	if err := walkObject(dec, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

func walkObject(dec *json.Decoder, depth int) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errors.New("body is not valid JSON")
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("member %q appears more than once", name)
		}
		seen[name] = true
		if err := walkValue(dec, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	if err != nil {
		return errors.New("body is not valid JSON")
	}
	return nil
}

func walkValue(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return errors.New("body is not valid JSON")
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth+1 > MaxDepth {
		return fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
	}
	if d == '{' {
		return walkObject(dec, depth+1)
	}
	for dec.More() { // '['
		if err := walkValue(dec, depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return errors.New("body is not valid JSON")
	}
	return nil
}

// checkSurrogates refuses \u escapes of unpaired UTF-16 surrogates
// (I-JSON, RFC 7493 §2.1): encoding/json turns them into U+FFFD, so the
// value stored would silently differ from the one sent. Backslashes occur
// only inside strings of valid JSON, which checkStructure has ensured, so
// no string state needs tracking.
func checkSurrogates(body []byte) error {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if i >= len(body) || body[i] != 'u' {
			continue
		}
		r, ok := hex4(body, i+1)
		switch {
		case !ok || r < 0xD800 || r > 0xDFFF:
		case r >= 0xDC00:
			return errors.New("a string holds an unpaired UTF-16 surrogate escape")
		default:
			low, ok := hex4(body, i+7)
			if !ok || body[i+5] != '\\' || body[i+6] != 'u' || low < 0xDC00 || low > 0xDFFF {
				return errors.New("a string holds an unpaired UTF-16 surrogate escape")
			}
			i += 6
		}
		i += 4
	}
	return nil
}

// hex4 reads four hex digits at body[at:].
func hex4(body []byte, at int) (rune, bool) {
	if at+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
