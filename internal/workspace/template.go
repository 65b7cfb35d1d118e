package workspace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/memo"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// Shaping holds what a workspace makes of the metadata a registration
// sends before it is validated: the defaults of the members it omits, the
// templates that fix some of them (Curity's templatized registration),
// and how often an access token may register (token_use).
type Shaping struct {
	// Defaults are what an omitted member becomes, before the RFC 7591
	// defaults fill whatever is left; on update too.
	Defaults ClientFields `json:"defaults,omitempty" yaml:"defaults"`
	// TokenUse is once or until_expiry: whether an access token carrying
	// the registration scope registers one client or any number until it
	// expires (Duende). Read it with TokenUseMode.
	TokenUse string `json:"token_use,omitempty" yaml:"token_use"`
	// Templates are the clients a registration may be made from.
	Templates []Template `json:"templates,omitempty" yaml:"templates"`
	// TemplatesOnly refuses a registration that matches no template.
	TemplatesOnly bool `json:"templates_only,omitempty" yaml:"templates_only"`
}

// How often an access token carrying the registration scope registers.
const (
	TokenUseOnce        = "once"
	TokenUseUntilExpiry = "until_expiry"
)

// TokenUseMode is token_use; settings stored before it existed have
// none, which is once.
func (s Shaping) TokenUseMode() string {
	if s.TokenUse == "" {
		return TokenUseOnce
	}
	return s.TokenUse
}

// Template is a client an operator names: a registration that picks it
// (by its software_id, or its name in the template member) gets the
// fixed metadata, and may set only the open fields itself.
type Template struct {
	Name        string       `json:"name" yaml:"name"`
	SoftwareIDs []string     `json:"software_ids,omitempty" yaml:"software_ids"`
	Client      ClientFields `json:"client,omitempty" yaml:"client"`
	OpenFields  []string     `json:"open_fields,omitempty" yaml:"open_fields"`
}

// TemplateNamed returns the template called name.
func (s Shaping) TemplateNamed(name string) (Template, bool) {
	i := slices.IndexFunc(s.Templates, func(t Template) bool { return t.Name == name })
	if i < 0 {
		return Template{}, false
	}
	return s.Templates[i], true
}

// TemplateFor returns the template whose software_ids hold id.
func (s Shaping) TemplateFor(softwareID string) (Template, bool) {
	i := slices.IndexFunc(s.Templates, func(t Template) bool { return softwareID != "" && slices.Contains(t.SoftwareIDs, softwareID) })
	if i < 0 {
		return Template{}, false
	}
	return s.Templates[i], true
}

// ClientFields is client metadata as an operator writes it: members by
// their names on the wire, each kept as its JSON value, so that it is
// decoded exactly as a registration's members are (client.DecodeMembers).
type ClientFields map[string]json.RawMessage

// UnmarshalYAML reads a mapping of members and keeps each value as JSON.
func (f *ClientFields) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: must be a mapping of client metadata members", node.Line)
	}
	var members map[string]any
	if err := node.Decode(&members); err != nil {
		return err
	}
	*f = ClientFields{}
	for name, v := range members {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %s: %v", node.Line, name, err)
		}
		(*f)[name] = b
	}
	return nil
}

// Metadata decodes the members, and names them (canonical, sorted). Each
// call gets its own copy.
func (f ClientFields) Metadata() (client.Metadata, []string, error) {
	key := f.hash()
	if d, ok := decodedFields.Get(key); ok && d.fields.equal(f) {
		return d.md.Clone(), slices.Clone(d.names), nil
	}
	md, names, err := client.DecodeMembers(f)
	if err == nil {
		decodedFields.Put(key, decodedClient{fields: f.clone(), md: md.Clone(), names: slices.Clone(names)})
	}
	return md, names, err
}

// decodedFields remembers ClientFields decoded, by a hash of their
// members checked against the members themselves on a hit: settings are
// values re-read from the store, with no identity to key on, and every
// registration would otherwise decode its template's client and the
// workspace's defaults again.
var decodedFields = memo.New[uint64, decodedClient](256)

type decodedClient struct {
	fields ClientFields
	md     client.Metadata
	names  []string
}

var fieldsSeed = maphash.MakeSeed()

// hash is the members' hash, whatever order the map gives them in.
func (f ClientFields) hash() uint64 {
	var sum uint64
	for name, value := range f {
		var h maphash.Hash
		h.SetSeed(fieldsSeed)
		h.WriteString(name)
		h.WriteByte(0)
		h.Write(value)
		sum += h.Sum64()
	}
	return sum
}

func (f ClientFields) equal(g ClientFields) bool {
	return maps.EqualFunc(f, g, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) })
}

func (f ClientFields) clone() ClientFields {
	c := make(ClientFields, len(f))
	for name, value := range f {
		c[name] = bytes.Clone(value)
	}
	return c
}

// validateShaping checks defaults, token_use and templates against the
// workspace's allow-lists, as a registration's members are checked; what
// joins members to each other (a code grant needs redirect URIs,
// private_key_jwt needs keys) is judged on each registration, when what
// the client sends is known.
func (s Settings) validateShaping() []SettingError {
	sh := s.Registration.Shaping
	var errs []SettingError
	if !slices.Contains([]string{TokenUseOnce, TokenUseUntilExpiry}, sh.TokenUseMode()) {
		errs = append(errs, invalid("registration.token_use", "%q is not one of once, until_expiry", sh.TokenUse))
	}
	if msg := s.fixedMetadataProblem(sh.Defaults); msg != "" {
		errs = append(errs, invalid("registration.defaults", "%s", msg))
	}
	for i, t := range sh.Templates {
		if msg := s.templateProblem(t, sh.Templates[:i]); msg != "" {
			errs = append(errs, invalidItem("registration.templates", i, "template %q: %s", t.Name, msg))
		}
	}
	if sh.TemplatesOnly && len(sh.Templates) == 0 {
		errs = append(errs, invalid("registration.templates_only", "no template is named, so every registration would be refused"))
	}
	return errs
}

func (s Settings) templateProblem(t Template, before []Template) string {
	switch {
	case t.Name == "":
		return "needs a name"
	case slices.ContainsFunc(before, func(o Template) bool { return o.Name == t.Name }):
		return "named twice"
	}
	for _, id := range t.SoftwareIDs {
		if slices.ContainsFunc(before, func(o Template) bool { return slices.Contains(o.SoftwareIDs, id) }) {
			return fmt.Sprintf("software_id %q is another template's already", id)
		}
	}
	_, fixed, _ := t.Client.Metadata()
	for _, name := range t.OpenFields {
		switch {
		case !client.IsMember(name):
			return fmt.Sprintf("open_fields: %q is not a registrable client metadata member", name)
		case slices.Contains(fixed, client.Canonical(name)):
			return fmt.Sprintf("open_fields: %q is fixed by the template's client", name)
		}
	}
	return s.fixedMetadataProblem(t.Client)
}

// fixedMetadataProblem decodes members an operator fixed and checks each
// against what the workspace allows a client to register.
func (s Settings) fixedMetadataProblem(f ClientFields) string {
	md, _, err := f.Metadata()
	if md.Template != "" {
		// Templates are picked before defaults and fixed metadata apply.
		return "template: names the template a registration picks; it cannot be fixed or defaulted"
	}
	if err == nil {
		err = client.CheckAllowed(md, client.Policy{
			Scopes:             s.RegistrationScopes(),
			GrantTypes:         s.Registration.GrantTypes,
			ResponseTypes:      s.Registration.ResponseTypes,
			AuthMethods:        s.Registration.AuthMethods,
			MaxAccessTokenTTL:  s.AccessTokenTTL,
			MaxRefreshTokenTTL: s.RefreshTokenTTL,
			MaxIDTokenTTL:      s.IDTokenTTL,
		})
	}
	if err != nil {
		return oauthDescription(err)
	}
	return ""
}

// oauthDescription is an OAuth error's description, which names the
// member at fault.
func oauthDescription(err error) string {
	var oe *oautherr.Error
	if errors.As(err, &oe) {
		return oe.Description
	}
	return err.Error()
}
