// Package user holds end users of a workspace (the people who sign in at
// the authorization endpoint) and their password hashing.
//
// Passwords, unlike our random secrets, are low-entropy and chosen by
// people, so they get a deliberately slow, memory-hard hash: argon2id
// (RFC 9106), with parameters recorded in the encoded hash so they can be
// raised later without breaking existing users.
package user

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// User is an end user of one workspace. Claims for the profile and email
// scopes (OIDC Core §5.4) come from here.
type User struct {
	Workspace     string
	ID            string // the stable `sub`
	Username      string
	Email         string
	EmailVerified bool
	Name          string
	GivenName     string
	FamilyName    string
	PasswordHash  string // argon2id, PHC string format
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ThrottleKey is the key under which sign-in throttling and the account
// lock count failures at username: the name as typed, case-folded, and
// whether or not such a user exists, so that neither a delay nor a lock
// says which usernames exist.
func ThrottleKey(username string) string { return "user:" + strings.ToLower(username) }

// CheckEmail accepts "" (no email) or a bare address (RFC 5322 addr-spec:
// alice@example.com), which goes out unchanged as the email claim (OIDC
// Core §5.1). A display name, angle brackets, a comment or surrounding
// space is refused too: a relying party would get that whole string as
// the address.
func CheckEmail(email string) error {
	if email == "" {
		return nil
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return fmt.Errorf("%q is not a bare email address such as alice@example.com", email)
	}
	return nil
}

// Params are argon2id costs. Defaults follow RFC 9106 §4's second
// recommendation scaled for a 2-core server: 64 MiB, 2 passes, 2 lanes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams are used for new hashes.
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 2, KeyLen: 32, SaltLen: 16}

// String describes the parameters (printed by the bench).
func (p Params) String() string {
	return fmt.Sprintf("argon2id m=%dKiB t=%d p=%d", p.Memory, p.Time, p.Threads)
}

// HashPassword returns the PHC-format argon2id hash of password.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformedHash: a stored hash that cannot be parsed.
var ErrMalformedHash = errors.New("malformed password hash")

// VerifyPassword reports whether password matches encoded, in constant time.
func VerifyPassword(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformedHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
