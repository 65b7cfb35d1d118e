// Package masterkey loads the server's master key and derives the purpose
// keys from it (key encryption, secret pepper, form sealing, pairwise
// subjects) with HKDF-SHA-256 (RFC 5869), so one secret configures a node
// and no two uses share a key.
//
// The key comes from REGISTRAR_MASTER_KEY (32 bytes as base64 or hex) or
// from a key file that is created on first start with mode 0600 and
// refused when others may read it. Losing it makes every stored signing
// key unreadable; leaking it exposes them all.
//
// A Sealer encrypts under a purpose key (AES-256-GCM, bound to caller-given
// associated data): signing keys at rest, requests in flight through forms.
//
// A leaf package: it imports only the standard library.
package masterkey
