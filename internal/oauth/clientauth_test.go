package oauth

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
)

// countingSecrets is secret.Hasher counting the verifications that hash:
// the hashing work a refusal spends is what its timing shows. One against
// an empty hash is not counted, as Hasher.Verify refuses it before hashing.
type countingSecrets struct {
	h *secret.Hasher
	n int
}

func (c *countingSecrets) Verify(purpose, value string, want []byte) bool {
	if len(want) > 0 {
		c.n++
	}
	return c.h.Verify(purpose, value, want)
}

var authNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// registered is a client "app" registered for method, with secret
// "s3cret" unless it is public.
func registered(h *secret.Hasher, method string) client.Client {
	cl := client.Client{ID: "app", Metadata: client.Metadata{TokenEndpointAuthMethod: method}}
	if method != client.AuthNone {
		cl.SecretHash = h.Hash(secret.PurposeClientSecret, "s3cret")
	}
	return cl
}

func withExpiry(cl client.Client, at time.Time) client.Client {
	cl.SecretExpiresAt = at
	return cl
}

var (
	basicEv  = ClientEvidence{ClientID: "app", Secret: "s3cret", Basic: true}
	postEv   = ClientEvidence{ClientID: "app", Secret: "s3cret"}
	publicEv = ClientEvidence{ClientID: "app"}
)

func wrongSecret(ev ClientEvidence) ClientEvidence {
	ev.Secret = "wrong"
	return ev
}

// Each authenticator on its own, through the one path every endpoint
// takes: the client as read (or not found), the evidence, the answer.
func TestAuthenticators(t *testing.T) {
	h := secret.NewHasher(make([]byte, 32))
	const failed = "client authentication failed"
	// Known client or not, evidence of a client_id alone says so.
	const noCredential = failed + ": the request carries no credential (no client secret, client assertion or TLS client certificate)"
	cases := []struct {
		name    string
		cl      client.Client
		readErr error
		ev      ClientEvidence
		want    string // the error description; "" authenticates
	}{
		{"basic: right secret", registered(h, client.AuthClientSecretBasic), nil, basicEv, ""},
		{"basic: wrong secret", registered(h, client.AuthClientSecretBasic), nil, wrongSecret(basicEv), failed},
		{"basic: empty secret", registered(h, client.AuthClientSecretBasic), nil, ClientEvidence{ClientID: "app", Basic: true}, failed},
		{"basic: unknown client", client.Client{}, store.ErrNotFound, basicEv, failed},
		{"basic: secret not yet expired", withExpiry(registered(h, client.AuthClientSecretBasic), authNow.Add(time.Second)), nil, basicEv, ""},
		// RFC 7591 §3.2.1: client_secret_expires_at is when it stops working.
		{"basic: secret expired", withExpiry(registered(h, client.AuthClientSecretBasic), authNow), nil, basicEv, "client secret has expired"},
		{"basic: expired and wrong", withExpiry(registered(h, client.AuthClientSecretBasic), authNow), nil, wrongSecret(basicEv), failed},
		// Only a caller who proved the secret learns the registered method.
		{"basic: sent in the body", registered(h, client.AuthClientSecretBasic), nil, postEv, failed + ": the client is registered for client_secret_basic"},
		{"basic: wrong secret in the body", registered(h, client.AuthClientSecretBasic), nil, wrongSecret(postEv), failed},
		{"basic: client_id alone", registered(h, client.AuthClientSecretBasic), nil, publicEv, noCredential},
		{"basic by default", registered(h, ""), nil, basicEv, ""},

		{"post: right secret", registered(h, client.AuthClientSecretPost), nil, postEv, ""},
		{"post: wrong secret", registered(h, client.AuthClientSecretPost), nil, wrongSecret(postEv), failed},
		{"post: unknown client", client.Client{}, store.ErrNotFound, postEv, failed},
		{"post: secret expired", withExpiry(registered(h, client.AuthClientSecretPost), authNow.Add(-time.Hour)), nil, postEv, "client secret has expired"},
		{"post: sent as Basic", registered(h, client.AuthClientSecretPost), nil, basicEv, failed + ": the client is registered for client_secret_post"},
		{"post: wrong secret as Basic", registered(h, client.AuthClientSecretPost), nil, wrongSecret(basicEv), failed},

		{"none: client_id", registered(h, client.AuthNone), nil, publicEv, ""},
		{"none: unknown client", client.Client{}, store.ErrNotFound, publicEv, noCredential},
		{"none: with a secret", registered(h, client.AuthNone), nil, postEv, failed},
		{"none: with Basic", registered(h, client.AuthNone), nil, basicEv, failed},

		// A method no authenticator takes authenticates nobody.
		{"private_key_jwt client, secret evidence", registered(h, client.AuthPrivateKeyJWT), nil, basicEv, failed + ": the client is registered for private_key_jwt"},
		{"private_key_jwt client, client_id alone", registered(h, client.AuthPrivateKeyJWT), nil, publicEv, noCredential},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secrets := &countingSecrets{h: h}
			got, err := clientAuth{secrets: secrets, now: authNow}.authenticate(tc.cl, tc.readErr, tc.ev)
			if tc.want == "" {
				if err != nil || got.ID != "app" {
					t.Fatalf("got %q, %v; want client app", got.ID, err)
				}
				return
			}
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClient || oe.Description != tc.want {
				t.Fatalf("err = %v; want invalid_client %q", err, tc.want)
			}
			if oe.Challenge != basicChallenge {
				t.Errorf("challenge %q; want %q", oe.Challenge, basicChallenge)
			}
			if got.ID != "" {
				t.Errorf("a refusal returned client %q", got.ID)
			}
			// Timing: a refusal for an unknown client costs what one for
			// a known client does, one secret verification.
			if secrets.n != 1 {
				t.Errorf("%d secret verifications; want 1", secrets.n)
			}
		})
	}
}

// A failure to read the client is the server's, not the caller's.
func TestAuthenticatePassesReadFailures(t *testing.T) {
	_, err := clientAuth{secrets: secret.NewHasher(make([]byte, 32)), now: authNow}.authenticate(client.Client{}, store.ErrUnavailable, basicEv)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v; want the store's", err)
	}
}

// Each method takes its own evidence and no other's, so a client is held
// to the method it registered.
func TestAuthenticatorEvidence(t *testing.T) {
	assertionEv := ClientEvidence{ClientID: "app", Assertion: ClientAssertion{Type: JWTBearer, Value: "a.b.c"}}
	evidence := map[string]ClientEvidence{"basic": basicEv, "post": postEv, "public": publicEv, "assertion": assertionEv}
	takes := map[string]string{
		client.AuthClientSecretBasic: "basic",
		client.AuthClientSecretPost:  "post",
		client.AuthNone:              "public",
		client.AuthPrivateKeyJWT:     "assertion",
		client.AuthClientSecretJWT:   "assertion",
	}
	for method, auth := range authenticators {
		for name, ev := range evidence {
			if got, want := auth.presented(ev), takes[method] == name; got != want {
				t.Errorf("%s presented(%s evidence) = %v; want %v", method, name, got, want)
			}
		}
	}
}

func TestGrantedScope(t *testing.T) {
	known := []string{"dcr", "openid", "read", "write"}
	cases := []struct {
		name, requested, registered, want string
		wantErr                           bool
	}{
		{"absent means registered", "", "read write", "read write", false},
		{"subset", "read", "read write", "read", false},
		{"duplicates collapse", "read read", "read", "read", false},
		{"outside client scope", "write", "read", "", true},
		{"registered but unknown to workspace", "legacy", "legacy", "", true},
		{"double space is malformed", "read  write", "read write", "", true},
		{"quote is not NQCHAR", `re"ad`, `re"ad`, "", true},
		{"registered scopes unknown to the workspace are dropped", "", "read legacy", "read", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := grantedScope(tc.requested, tc.registered, known)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v; want %q, err=%v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestUserInfoTokenRefusesMalformedHeader: an Authorization header that
// holds no bearer token, an empty one included, is refused as
// invalid_token; it is not read as "no header", which would let a token
// in the body through as if it were the only one sent.
func TestUserInfoTokenRefusesMalformedHeader(t *testing.T) {
	for _, header := range []string{"Basic YTpi", "Bearer", "Bearer ", "Bearer   "} {
		r := httptest.NewRequest("POST", "/default/oauth2/userinfo", strings.NewReader("access_token=abc"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header["Authorization"] = []string{header}
		tok, err := userInfoToken(httptest.NewRecorder(), r)
		var oe *oautherr.Error
		if !errors.As(err, &oe) || oe.Code != oautherr.InvalidToken {
			t.Errorf("Authorization %q: token %q, err %v; want invalid_token", header, tok, err)
		}
	}
}
