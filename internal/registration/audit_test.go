package registration

import (
	"strings"
	"testing"
)

func TestAuditTextEscapesAndCaps(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`scope "zzz" is not allowed`, `scope "zzz" is not allowed`},
		{"\x1b[31mRED\x1b[0m\nFAKE-LINE", `\u001b[31mRED\u001b[0m\u000aFAKE-LINE`},
		{"a\u202eb", `a\u202eb`},
		{"nul\x00", `nul\u0000`},
		{"bad\xffutf8", `bad\ufffdutf8`},
		{"Appli café", "Appli café"},
	} {
		if got := auditText(tc.in, 100); got != tc.want {
			t.Errorf("auditText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := auditText(strings.Repeat("a", 20000), maxAuditClientID); len([]rune(got)) != maxAuditClientID+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("a 20,000-character id was kept as %d runes", len([]rune(got)))
	}
}
