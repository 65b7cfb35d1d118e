package oauth

import (
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// A client holding response type "code" without the authorization_code
// grant (a workspace's registration defaults can give it so) gets no code:
// it could not exchange one.
func TestCodeResponseNeedsTheCodeGrant(t *testing.T) {
	for _, tc := range []struct {
		grants []string
		want   string
	}{
		{[]string{client.GrantClientCredentials}, oautherr.UnauthorizedClient},
		{[]string{client.GrantAuthorizationCode}, ""},
		{nil, ""}, // RFC 7591 §2: omitted grant_types is authorization_code
	} {
		cl := client.Client{Metadata: client.Metadata{GrantTypes: tc.grants, ResponseTypes: []string{client.ResponseTypeCode}}}
		var req AuthorizeRequest
		got := ""
		if e := parseResponse(cl, client.ResponseTypeCode, "", &req); e != nil {
			got = e.Code
		}
		if got != tc.want {
			t.Errorf("grants %v: error %q, want %q", tc.grants, got, tc.want)
		}
	}
}
