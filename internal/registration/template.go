package registration

import (
	"slices"
	"strconv"
	"strings"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Templates (Curity's templatized registration): an operator names
// clients in registration.templates; a registration picks one by the
// template member or by its software_id (the verified statement's, else
// the body's) and gets a client made of the template's fixed metadata
// plus the open fields it sets itself. Pipeline step 4: before
// validation, which then judges the client as it will be registered.

// applyTemplate makes md into the client of the template it picks, or
// refuses it (400 invalid_client_metadata) with every violation at once.
// current is the client's metadata on an RFC 7592 update, nil on
// registration.
func applyTemplate(ws workspace.Workspace, md client.Metadata, current *client.Metadata) (client.Metadata, error) {
	md, violations := templateViolations(ws, md, current)
	if len(violations) > 0 {
		return client.Metadata{}, oautherr.InvalidMetadata("%s", violations.Describe())
	}
	return md, nil
}

// templateViolations is applyTemplate's work, every refusal as a
// Violation (Rule "template:<name>", or "template" when no template is
// concerned) for a dry run to list beside the others.
func templateViolations(ws workspace.Workspace, md client.Metadata, current *client.Metadata) (client.Metadata, Violations) {
	t, found, violations := pickTemplate(ws.Settings.Registration.Shaping, md, current)
	if !found || len(violations) > 0 {
		return md, violations
	}
	fixed, fixedNames, err := t.Client.Metadata()
	if err != nil {
		// Settings validation decoded it when the config loaded.
		violations.Add("template:"+t.Name, "the template's client does not decode: "+err.Error())
		return md, violations
	}
	for _, name := range md.SetMembers() {
		if msg := memberProblem(t, md, fixed, fixedNames, current, name); msg != "" {
			violations.Add("template:"+t.Name, msg)
		}
	}
	if len(violations) > 0 {
		// A dry run goes on to judge the client the template would make:
		// not with the values the template refuses, which would show as
		// violations of their own.
		for _, name := range fixedNames {
			md.Take(fixed, name)
		}
	} else {
		md.Fill(fixed, fixedNames)
	}
	md.Template = t.Name
	return md, violations
}

// pickTemplate finds the template md names, or the one its software_id
// belongs to. A client made from a template stays that template's: an
// update is held to it. found is false when md picks none and none is
// required.
func pickTemplate(sh workspace.Shaping, md client.Metadata, current *client.Metadata) (t workspace.Template, found bool, violations Violations) {
	name := md.Template
	if current != nil && current.Template != "" {
		if name != "" && name != current.Template {
			violations.Add("template:"+current.Template, "template: the client was made from template "+strconv.Quote(current.Template)+" and cannot move to "+strconv.Quote(name))
			return t, true, violations
		}
		name = current.Template
	}
	bySoftware, softwareTemplated := sh.TemplateFor(md.SoftwareID)
	switch {
	case name == "" && softwareTemplated:
		return bySoftware, true, nil
	case name == "" && sh.TemplatesOnly:
		violations.Add("template", "this workspace registers only clients made from a template: name one in template, or send a software_id a template lists")
		return t, true, violations
	case name == "":
		return t, false, nil
	}
	if t, found = sh.TemplateNamed(name); !found {
		violations.Add("template:"+name, "template: this workspace has no template "+strconv.Quote(name))
		return t, true, violations
	}
	if softwareTemplated && bySoftware.Name != name {
		violations.Add("template:"+name, "software_id: "+strconv.Quote(md.SoftwareID)+" is registered from template "+strconv.Quote(bySoftware.Name)+", not "+strconv.Quote(name))
	}
	return t, true, violations
}

// memberProblem says why the member name md sets is refused under t, or
// "" when it may be set. The template member, and a software_id the
// template lists, are how it was picked; software_statement is the
// server's own copy of the statement, whose claims are judged as members
// of their own. On an update, a member sent with the value the client
// already has changes nothing, so it needs no leave: a client may send
// back all it read (RFC 7592 §2.2).
func memberProblem(t workspace.Template, md, fixed client.Metadata, fixedNames []string, current *client.Metadata, name string) string {
	base, _, localized := strings.Cut(name, "#")
	switch {
	case name == "template", name == "software_id" && slices.Contains(t.SoftwareIDs, md.SoftwareID):
		return ""
	case slices.Contains(fixedNames, base):
		if localized || !client.SameMember(md, fixed, name) {
			return name + ": template " + strconv.Quote(t.Name) + " fixes it; send the template's value or leave it out"
		}
		return ""
	case slices.ContainsFunc(t.OpenFields, func(open string) bool { return client.Canonical(open) == base }):
		return ""
	case current != nil && sameAsCurrent(md, *current, name):
		return ""
	}
	return name + ": template " + strconv.Quote(t.Name) + " does not let a registration set it (open fields: " + strings.Join(t.OpenFields, ", ") + ")"
}

// sameAsCurrent reports whether md gives name the value the client
// already has.
func sameAsCurrent(md, current client.Metadata, name string) bool {
	if _, _, localized := strings.Cut(name, "#"); localized {
		v, ok := current.Localized[name]
		return ok && v == md.Localized[name]
	}
	return client.SameMember(md, current, name)
}
