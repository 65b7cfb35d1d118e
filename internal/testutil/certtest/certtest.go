// Package certtest makes the keys and X.509 certificates tests need: P-256
// keys, certificates signed by a parent or by themselves, and PEM files.
// Tests only: it fails the test it is given instead of returning errors.
package certtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"testing"
)

// Key is a new P-256 key.
func Key(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// Sign issues tmpl for pub, signed by key as parent, and parses the
// result. A template without a serial number gets 1.
func Sign(tb testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	tb.Helper()
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(1)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// SelfSigned issues tmpl to a new P-256 key, signed by that key.
func SelfSigned(tb testing.TB, tmpl *x509.Certificate) (*x509.Certificate, *ecdsa.PrivateKey) {
	tb.Helper()
	key := Key(tb)
	return Sign(tb, tmpl, tmpl, &key.PublicKey, key), key
}

// WritePEM writes each of ders as a PEM block of kind to path.
func WritePEM(tb testing.TB, path, kind string, ders ...[]byte) {
	tb.Helper()
	var out []byte
	for _, der := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// WriteKey writes key to path as a PKCS #8 PEM block.
func WriteKey(tb testing.TB, path string, key crypto.Signer) {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	WritePEM(tb, path, "PRIVATE KEY", der)
}
