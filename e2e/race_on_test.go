//go:build race

package e2e

// raceBuild: the tests run under the race detector (`go test -race`, as
// make test does), so the server they start is built with it too.
const raceBuild = true
