//go:build !unix

package sqlite

// freeBytes cannot tell the free space here; an I/O error is then never
// taken for a full disk (SQLITE_FULL still is).
func freeBytes(string) (uint64, bool) { return 0, false }
