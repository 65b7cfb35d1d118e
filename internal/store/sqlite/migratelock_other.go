//go:build !unix

package sqlite

// lockMigrations is a no-op where flock(2) does not exist: replicas sharing
// one SQLite file are a unix deployment.
func lockMigrations(string) (func(), error) { return func() {}, nil }
