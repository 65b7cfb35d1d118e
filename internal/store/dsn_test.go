package store

import (
	"strings"
	"testing"
)

func TestRedactDSNHidesEveryPassword(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://app:s3cret@db:5432/reg?sslmode=disable":          "postgres://app:redacted@db:5432/reg?sslmode=disable",
		"postgres://app@db/reg?sslmode=disable&password=s3cret":      "postgres://app@db/reg?password=redacted&sslmode=disable",
		"postgres://app:s3cret@db/reg?password=s3cret":               "postgres://app:redacted@db/reg?password=redacted",
		"postgres://app@db/reg":                                      "postgres://app@db/reg",
		"sqlite:registrar.db":                                        "sqlite:registrar.db",
		`host=db password=a\ s3cret dbname=reg`:                      "host=db password=redacted dbname=reg",
		"host=db password='unterminated s3cret":                      "host=db password=redacted",
		"postgres://u:pw@h/db?sslmode=disable&password=ab;s3cret":    "(a DSN that does not parse; not shown)",
		"postgres://u@h/db?password=%zzs3cret":                       "(a DSN that does not parse; not shown)",
		"postgres:u:s3cret@h/db":                                     "(a DSN that does not parse; not shown)",
		"host=db user=u password=s3cret dbname=reg":                  "host=db user=u password=redacted dbname=reg",
		"host=db sslpassword = 's3cret words' password='s3cret'":     "host=db sslpassword = redacted password=redacted",
		"postgres://app:s3cret@db:port-is-not-a-number/reg?x=%zzbad": "(a DSN that does not parse; not shown)",
	} {
		got := RedactDSN(dsn)
		if got != want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}
