# The two commands a new user needs: `make run` and `make test`.
.PHONY: run test build bench

# run builds, then runs the binary in the shell's place: Ctrl-C reaches the
# server itself, which drains and exits 0, so make reports no error (go run
# exits 1 when its program is interrupted).
run: build
	exec ./bin/registrar serve

test:
	bash scripts/test.sh

# -buildvcs=auto beats a GOFLAGS=-buildvcs=false: a build in a git clone
# records its commit (registrar version), and one without git still builds.
build:
	go build -buildvcs=auto -o bin/registrar ./cmd/registrar

bench:
	go run ./cmd/registrar bench
