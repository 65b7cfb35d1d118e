#!/usr/bin/env bash
# make test: vet, race tests (unit, store conformance on SQLite and
# PostgreSQL, end-to-end against the real binary with real third-party
# clients and a real headless Chromium). Works on a fresh Debian machine
# as root: installs what is missing, starts a throw-away PostgreSQL on
# 127.0.0.1 and stops it on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s ====\n' "$*"; }

apt_updated=""
apt_install() {
	if [ -z "$apt_updated" ]; then
		apt-get update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

section "dependencies"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
	echo "installing postgresql"
	apt_install postgresql
	pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
if ! command -v chromium >/dev/null 2>&1; then
	echo "installing chromium (browser tests)"
	apt_install chromium
fi
if [ -f e2e/js/package-lock.json ]; then
	echo "installing e2e npm packages"
	(cd e2e/js && npm ci --no-audit --no-fund --loglevel=error)
fi

section "throw-away PostgreSQL"
pg_dir=$(mktemp -d)
chown postgres "$pg_dir"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
stop_pg() {
	runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$pg_dir"
}
trap stop_pg EXIT
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
	-o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
export REGISTRAR_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
export REGISTRAR_TEST_PG_BIN="$pg_bin"
echo "PostgreSQL on 127.0.0.1:$pg_port"

section "go vet"
go vet ./...

section "go test -race"
go test -race -count=1 -timeout 40m ./...
