# The two commands a new user needs: `make run` and `make test`.
.PHONY: run test build bench

run:
	go run ./cmd/registrar serve

test:
	bash scripts/test.sh

build:
	go build -o bin/registrar ./cmd/registrar

bench:
	go run ./cmd/registrar bench
