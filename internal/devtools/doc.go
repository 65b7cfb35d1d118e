// Package devtools is the client side of signed registration, behind
// `registrar dev`: it makes keys, signs software statements (RFC 7591
// §2.3), signed registration bodies and private_key_jwt assertions
// (RFC 7523 §3, OIDC Core §9), and sends registrations (RFC 7591 §3.1).
// It is what a developer or a test uses to try the server; the server
// never imports it. Signing goes through internal/jose, JWK encoding
// through jwx.
package devtools
