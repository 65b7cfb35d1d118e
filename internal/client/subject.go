package client

import (
	"net/url"
	"slices"
	"strings"
)

// Subject types (OIDC Core §8): whether every client sees a user under
// the same sub, or each sector under its own.
const (
	SubjectTypePublic   = "public"
	SubjectTypePairwise = "pairwise"
)

// IsPairwise reports whether the client is shown pairwise subject
// identifiers (OIDC Core §8.1).
func (m Metadata) IsPairwise() bool { return m.SubjectType == SubjectTypePairwise }

// Sector returns the sector identifier a pairwise client's subjects are
// computed for (OIDC Core §8.1): the host of sector_identifier_uri when
// one is registered, else the one sector its redirect URIs share; "" when
// there is none, which checkSubjectType refuses at registration.
func (m Metadata) Sector() string {
	if m.SectorIdentifierURI != "" {
		u, err := url.Parse(m.SectorIdentifierURI)
		if err != nil {
			return ""
		}
		return strings.ToLower(u.Hostname())
	}
	if sectors := redirectSectors(m.RedirectURIs); len(sectors) == 1 {
		return sectors[0]
	}
	return ""
}

// redirectSectors lists, once each, the sectors of redirect URIs: the
// host of an http(s) URI (OIDC Core §8.1 names the host component, so
// ports do not count), and for a native app's private-use URI, which has
// no host, its scheme with a colon. The scheme is a reverse domain name
// the app's maker controls (RFC 8252 §7.1), so it tells apps apart as a
// host tells web sites; the colon keeps it from ever equalling a host.
func redirectSectors(uris []string) []string {
	var sectors []string
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil {
			continue // checkRedirectURIs has refused it already
		}
		sector := strings.ToLower(u.Hostname())
		if sector == "" {
			sector = strings.ToLower(u.Scheme) + ":"
		}
		if !slices.Contains(sectors, sector) {
			sectors = append(sectors, sector)
		}
	}
	return sectors
}

// checkSubjectType: subject_type is public (the default) or pairwise, and
// a pairwise client has one sector (OIDC Core §8.1, OIDC Registration §5).
// Without sector_identifier_uri the sector is the host of the redirect
// URIs, so they must share one. A pairwise client with neither, such as a
// client_credentials-only one, is refused as OpenID-certified servers do:
// it has no sector to compute subjects for, and it needs none — its
// tokens' sub is its own client_id — so it should register as public.
// Whether sector_identifier_uri lists every redirect URI is registration's
// check, which fetches it.
func checkSubjectType(md *Metadata, _ Policy) error {
	switch md.SubjectType {
	case SubjectTypePublic:
		return nil
	case SubjectTypePairwise:
	default:
		return metaErr("subject_type: %q is not one of public, pairwise", md.SubjectType)
	}
	if md.SectorIdentifierURI != "" {
		return nil
	}
	switch sectors := redirectSectors(md.RedirectURIs); {
	case len(sectors) == 0:
		return metaErr("subject_type: pairwise needs a sector (OIDC Core §8.1): register redirect_uris on one host, or a sector_identifier_uri")
	case len(sectors) > 1:
		return metaErr("subject_type: pairwise with redirect_uris on more than one host (%s) needs a sector_identifier_uri naming their sector (OIDC Core §8.1)", strings.Join(sectors, ", "))
	case unownedSector(sectors[0]):
		return metaErr("subject_type: pairwise with redirect_uris on %s needs a sector_identifier_uri: anyone can register such a redirect URI, so it would share its users' identifiers with every other client that does", sectors[0])
	}
	return nil
}

// unownedSector: a loopback host or a private-use scheme, which no one
// proves to own (any app may listen on 127.0.0.1 or claim a scheme), so
// as a sector it would give every client registering one the same subs.
func unownedSector(sector string) bool {
	return strings.HasSuffix(sector, ":") || IsLoopbackHost(sector)
}
