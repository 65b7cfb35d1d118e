package dn

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

// subject makes a certificate whose subject has exactly these RDNs, in
// X.509 order, and reads its RawSubject back.
func subject(t *testing.T, rdns ...pkix.AttributeTypeAndValue) Name {
	t.Helper()
	var seq pkix.RDNSequence
	for _, a := range rdns {
		seq = append(seq, pkix.RelativeDistinguishedNameSET{a})
	}
	raw, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := certtest.SelfSigned(t, &x509.Certificate{RawSubject: raw})
	name, err := FromCertificate(cert.RawSubject)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

var (
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
)

func TestEqualComparesNamesNotStrings(t *testing.T) {
	// X.509 order: C, O, OU, CN; the string lists CN first.
	cert := subject(t,
		pkix.AttributeTypeAndValue{Type: oidC, Value: "GB"},
		pkix.AttributeTypeAndValue{Type: oidO, Value: "OpenBanking"},
		pkix.AttributeTypeAndValue{Type: oidOU, Value: "0015800001041REAAY"},
		pkix.AttributeTypeAndValue{Type: oidCN, Value: "Some  TPP"},
	)
	cases := []struct {
		dn   string
		want bool
	}{
		{"CN=Some  TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB", true},
		{"cn=some tpp, ou=0015800001041reaay, o=openbanking, c=gb", true}, // case, spaces
		{"2.5.4.3=Some TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB", true},
		{"CN=Some TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB ", true},
		{`CN=Some\20TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB`, true},
		{"CN=#0c08536f6d6520545050,OU=0015800001041REAAY,O=OpenBanking,C=GB", false}, // hex of UTF8String; the cert has PrintableString
		{"CN=#13095336f6d65202054505000,OU=0015800001041REAAY,O=OpenBanking,C=GB", false},
		{"CN=Other TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB", false},     // one attribute differs
		{"OU=0015800001041REAAY,CN=Some TPP,O=OpenBanking,C=GB", false},      // order
		{"CN=Some TPP,OU=0015800001041REAAY,O=OpenBanking", false},           // one fewer
		{"CN=Some TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB,DC=x", false}, // one more
		{"CN=Some TPP+OU=0015800001041REAAY,O=OpenBanking,C=GB", false},      // RDNs merged
		{"O=Some TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB", false},       // type differs
		{"CN=Some TPP,OU=0015800001041REAAY,O=OpenBanking,C=GB,", false},
	}
	for _, tc := range cases {
		name, err := Parse(tc.dn)
		if err != nil {
			if tc.want {
				t.Errorf("Parse(%q): %v", tc.dn, err)
			}
			continue
		}
		if got := name.Equal(cert); got != tc.want {
			t.Errorf("%q equal to the certificate's %s: %v, want %v", tc.dn, cert, got, tc.want)
		}
	}
}

func TestHexFormMatchesTheEncodedValue(t *testing.T) {
	cert := subject(t, pkix.AttributeTypeAndValue{Type: oidCN, Value: "tpp"})
	// PrintableString "tpp", as Go encodes it.
	name, err := Parse("CN=#1303747070")
	if err != nil || !name.Equal(cert) {
		t.Fatalf("hex form: %v, equal %v", err, name.Equal(cert))
	}
}

func TestMultiValuedRDNIsASet(t *testing.T) {
	a, _ := Parse("CN=tpp+OU=payments,O=Bank")
	b, _ := Parse("OU=payments+CN=tpp,O=Bank")
	if !a.Equal(b) {
		t.Fatal("an RDN's attributes are a set: their order must not matter")
	}
}

func TestUnknownTypeComparesExactly(t *testing.T) {
	a, _ := Parse("1.2.3.4=Value")
	b, _ := Parse("1.2.3.4=value")
	if a.Equal(b) {
		t.Fatal("a type whose matching rule is unknown must compare exactly")
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "CN", "XX=a", "CN=a;b", `CN=a\`, `CN=a\zz`, "CN=#zz", "CN=a,,O=b", "CN=#13x"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"CN=a,O=b", `CN=\2C+OU=#1303747070`, "1.2.3=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := Parse(s)
		if err == nil && !name.Equal(name) {
			t.Fatalf("%q is not equal to itself", s)
		}
	})
}

// TestEqualsSignNeedsNoEscape: RFC 4514 §2.4 escapes '"', '+', ',', ';',
// '<', '>' and '\' in a value, not '=' (stringchar includes %x3D).
func TestEqualsSignNeedsNoEscape(t *testing.T) {
	cert := subject(t, pkix.AttributeTypeAndValue{Type: oidCN, Value: "a=b"}, pkix.AttributeTypeAndValue{Type: oidO, Value: "x"})
	for _, s := range []string{"O=x,CN=a=b", `O=x,CN=a\=b`} {
		name, err := Parse(s)
		if err != nil || !name.Equal(cert) {
			t.Errorf("Parse(%q) = %v, %v; want the name of a certificate whose CN is a=b", s, name, err)
		}
	}
}
