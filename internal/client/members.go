package client

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// Members are the metadata of a registration taken one member at a
// time, by its name on the wire: what an operator fixes in a template or
// gives as a workspace default, merged into a request before validation.

// memberIndex maps a member's name to its field in Metadata, read from
// the JSON tags once.
var memberIndex = func() map[string]int {
	index := map[string]int{}
	t := reflect.TypeFor[Metadata]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if _, decoded := fields[name]; decoded {
			index[name] = i
		}
	}
	return index
}()

// memberNames are memberIndex's names, sorted, for walking the members in
// a fixed order without sorting them on every call.
var memberNames = slices.Sorted(maps.Keys(memberIndex))

// IsMember reports whether name is a registrable member (under any of its
// spellings).
func IsMember(name string) bool {
	_, ok := memberIndex[Canonical(name)]
	return ok
}

// Canonical is the name a member is registered under: aliases become
// ours, anything else stays as it is.
func Canonical(name string) string {
	if canonical, ok := aliases[name]; ok {
		return canonical
	}
	return name
}

// Has reports whether m gives the member a value. An unknown name has
// none; a language-tagged one ("client_name#fr") is looked up in
// Localized.
func (m Metadata) Has(name string) bool {
	if _, _, tagged := strings.Cut(name, "#"); tagged {
		_, ok := m.Localized[name]
		return ok
	}
	i, ok := memberIndex[name]
	return ok && !reflect.ValueOf(&m).Elem().Field(i).IsZero()
}

// SetMembers are the names of the members m gives a value, language-tagged
// ones included, sorted.
func (m Metadata) SetMembers() []string {
	var names []string
	v := reflect.ValueOf(&m).Elem()
	for _, name := range memberNames {
		if !v.Field(memberIndex[name]).IsZero() {
			names = append(names, name)
		}
	}
	if len(m.Localized) > 0 {
		names = append(names, slices.Collect(maps.Keys(m.Localized))...)
		slices.Sort(names)
	}
	return names
}

// Take sets m's member name to from's (a copy, nothing shared).
func (m *Metadata) Take(from Metadata, name string) {
	own := from.Clone()
	m.takeOwn(&own, name)
}

// takeOwn is Take from a copy that is m's alone to share.
func (m *Metadata) takeOwn(own *Metadata, name string) {
	if i, ok := memberIndex[name]; ok {
		reflect.ValueOf(m).Elem().Field(i).Set(reflect.ValueOf(own).Elem().Field(i))
	}
}

// SameMember reports whether a and b give the member name the same value.
// Lists and scopes are sets: their order says nothing.
func SameMember(a, b Metadata, name string) bool {
	if name == "scope" {
		return sameSet(strings.Fields(a.Scope), strings.Fields(b.Scope))
	}
	i, ok := memberIndex[name]
	if !ok {
		return true
	}
	return sameField(a, b, i)
}

// sameField is SameMember for a field reflect reads: apart, so that only
// it copies a and b to the heap, not the scope's comparison as well.
func sameField(a, b Metadata, i int) bool {
	va, vb := reflect.ValueOf(a).Field(i).Interface(), reflect.ValueOf(b).Field(i).Interface()
	switch x := va.(type) {
	case []string:
		return sameSet(x, vb.([]string))
	case json.RawMessage:
		return bytes.Equal(x, vb.(json.RawMessage))
	}
	return reflect.DeepEqual(va, vb)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// DecodeMembers decodes metadata an operator wrote (a template's client,
// a workspace's registration defaults) as a registration's members are
// decoded, and returns the members it names under their canonical names.
// Unlike a registration, it refuses a name it does not know: there it is
// a typo, not another server's extension.
func DecodeMembers(obj map[string]json.RawMessage) (Metadata, []string, error) {
	names := make([]string, 0, len(obj))
	for name := range obj {
		if !IsMember(name) {
			return Metadata{}, nil, oautherr.InvalidMetadata("%s: not a registrable client metadata member", name)
		}
		names = append(names, Canonical(name))
	}
	md, err := DecodeMetadata(obj)
	slices.Sort(names)
	return md, names, err
}

// Fill gives each of the named members that m has no value for from's.
func (m *Metadata) Fill(from Metadata, names []string) {
	own := from.Clone() // once, not once a member: each field is taken once
	for _, name := range names {
		if !m.Has(name) {
			m.takeOwn(&own, name)
		}
	}
}
