//go:build unix

package sqlite

import "syscall"

// freeBytes is the space left to unprivileged writers on the file system
// holding dir; ok is false when it cannot be told.
func freeBytes(dir string) (n uint64, ok bool) {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
