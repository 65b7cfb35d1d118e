package client_test

import (
	"testing"

	. "github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// TestPairwiseSector: OIDC Core §8.1 — a pairwise client's sector is the
// host of sector_identifier_uri when it has one, else the one host its
// redirect URIs share (ports aside).
func TestPairwiseSector(t *testing.T) {
	cases := []struct {
		name, body, sector string
	}{
		{"one redirect URI", `{"subject_type":"pairwise","redirect_uris":["https://app.example/cb"]}`, "app.example"},
		{"one host, several paths and ports", `{"subject_type":"pairwise","redirect_uris":["https://app.example/cb","https://app.example:8443/other"]}`, "app.example"},
		{"sector_identifier_uri wins over the redirect hosts", `{"subject_type":"pairwise","redirect_uris":["https://a.example/cb","https://b.example/cb"],"sector_identifier_uri":"https://sector.example/uris.json"}`, "sector.example"},
		{"native loopback with its sector named", `{"subject_type":"pairwise","application_type":"native","redirect_uris":["http://127.0.0.1/cb"],"sector_identifier_uri":"https://app.example/uris.json"}`, "app.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, err := register(t, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if !md.IsPairwise() || md.Sector() != tc.sector {
				t.Fatalf("pairwise %v, sector %q; want pairwise, sector %q", md.IsPairwise(), md.Sector(), tc.sector)
			}
		})
	}
	md, err := register(t, `{"redirect_uris":["https://app.example/cb"]}`)
	if err != nil || md.SubjectType != SubjectTypePublic || md.IsPairwise() {
		t.Fatalf("default subject_type %q, %v; want public", md.SubjectType, err)
	}
}

// TestPairwiseNeedsOneSector: a pairwise client whose redirect URIs span
// several hosts, or sit on a loopback host or a private-use scheme that
// anyone may register, must name its sector with sector_identifier_uri
// (OIDC Core §8.1); one with no redirect URI and no sector_identifier_uri has no
// sector at all and is refused too; subject_type takes only the two values
// OIDC Core §8 defines.
func TestPairwiseNeedsOneSector(t *testing.T) {
	cases := []struct {
		name, body string
		mention    []string
	}{
		{"redirect URIs on two hosts", `{"subject_type":"pairwise","redirect_uris":["https://a.example/cb","https://b.example/cb"]}`,
			[]string{"sector_identifier_uri", "a.example", "b.example"}},
		{"two loopback spellings", `{"subject_type":"pairwise","application_type":"native","redirect_uris":["http://127.0.0.1/cb","http://localhost/cb"]}`,
			[]string{"sector_identifier_uri", "more than one host"}},
		{"a web host and a private-use scheme", `{"subject_type":"pairwise","application_type":"native","redirect_uris":["http://127.0.0.1/cb","com.example.app:/cb"]}`,
			[]string{"sector_identifier_uri"}},
		{"loopback alone", `{"subject_type":"pairwise","application_type":"native","redirect_uris":["http://127.0.0.1:4000/cb"]}`,
			[]string{"sector_identifier_uri", "127.0.0.1", "anyone can register"}},
		{"localhost alone", `{"subject_type":"pairwise","application_type":"native","redirect_uris":["http://localhost/cb"]}`,
			[]string{"sector_identifier_uri", "localhost"}},
		{"a private-use scheme alone", `{"subject_type":"pairwise","application_type":"native","redirect_uris":["com.example.app:/cb"]}`,
			[]string{"sector_identifier_uri", "com.example.app:"}},
		{"client_credentials only", `{"subject_type":"pairwise","grant_types":["client_credentials"]}`,
			[]string{"subject_type", "sector_identifier_uri"}},
		{"unknown subject type", `{"subject_type":"secret","redirect_uris":["https://a.example/cb"]}`,
			[]string{"subject_type", "public, pairwise"}},
		{"sector_identifier_uri over http", `{"subject_type":"pairwise","redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"http://a.example/s"}`,
			[]string{"sector_identifier_uri", "https"}},
		{"sector_identifier_uri not a URL", `{"redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"a.example"}`,
			[]string{"sector_identifier_uri", "absolute"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := register(t, tc.body)
			wantCode(t, err, oautherr.InvalidClientMetadata, tc.mention...)
		})
	}
}
