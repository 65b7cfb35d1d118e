#!/usr/bin/env bash
# make test: vet, race tests (unit, store conformance on SQLite and
# PostgreSQL, end-to-end against the real binary with real third-party
# clients and a real headless Chromium). Works on a fresh Debian 12 machine
# as root: installs what is missing, starts a throw-away PostgreSQL on
# 127.0.0.1 and stops it on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s ====\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	# initdb refuses root, so the cluster runs as `postgres` through runuser,
	# which only root may call; apt-get needs root too.
	echo "scripts/test.sh must run as root (it installs packages and runs PostgreSQL as postgres)" >&2
	exit 1
fi

apt_updated=""
apt_install() {
	if [ -z "$apt_updated" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# newest_pg_bin prints the bin dir of the newest installed PostgreSQL server.
newest_pg_bin() {
	local initdb
	initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$initdb" ] && dirname "$initdb"
}

section "dependencies"
go version
pg_bin=$(newest_pg_bin || true)
if [ -z "$pg_bin" ]; then
	echo "installing postgresql"
	apt_install postgresql
	pg_bin=$(newest_pg_bin)
fi
"$pg_bin/postgres" --version
# Browser tests (e2e/browser_test.go) drive Debian's chromium; a browser
# downloaded by a test tool cannot work on these machines (MACHINE.md).
if ! command -v chromium >/dev/null 2>&1; then
	echo "installing chromium (browser tests)"
	apt_install chromium
fi
chromium --version 2>/dev/null || true
# The README walkthrough test (e2e/devcli_test.go) runs its shell blocks,
# which use curl and jq as a reader would.
for tool in curl jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "installing $tool (README walkthrough test)"
		apt_install "$tool"
	fi
done
if [ -f e2e/js/package-lock.json ]; then
	echo "installing e2e npm packages (npm ci)"
	(cd e2e/js && npm ci --no-audit --no-fund --loglevel=error)
fi

section "throw-away PostgreSQL"
# Not under a root-only directory: the cluster's files and socket belong
# to postgres.
pg_dir=$(mktemp -d /tmp/registrar-test-pg.XXXXXX)
stop_pg() {
	if [ -f "$pg_dir/data/postmaster.pid" ]; then
		runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$pg_dir"
}
trap stop_pg EXIT
# bash skips the EXIT trap when killed by a signal it does not handle.
trap 'exit 130' INT
trap 'exit 143' TERM
chown postgres "$pg_dir"

# free_port asks the kernel for an unused loopback port; without python3
# (not in every fresh Debian) it probes random high ports with /dev/tcp.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
		return
	fi
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}

runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
# Another process may take the port between asking and binding: retry.
started=""
for _ in 1 2 3; do
	pg_port=$(free_port)
	if runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
		-o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null; then
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	cat "$pg_dir/log" >&2 || true
	echo "PostgreSQL did not start" >&2
	exit 1
fi
# The store conformance suite and e2e tests use this database (fresh
# schemas); tests that must stop and start a cluster of their own (the
# database-outage test) use REGISTRAR_TEST_PG_BIN.
export REGISTRAR_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
export REGISTRAR_TEST_PG_BIN="$pg_bin"
# This script provides every prerequisite (PostgreSQL, chromium, npm
# packages), so a test that finds one missing fails instead of skipping,
# whether or not the CI variable is set.
export REGISTRAR_TEST_STRICT=1
echo "PostgreSQL on 127.0.0.1:$pg_port (data and socket in $pg_dir)"

section "go vet"
go vet ./...

section "go test -race"
go test -race -count=1 -timeout 40m ./...
# The test clock the e2e binary is built with exists only under its tag.
go vet -tags testclock ./internal/clock
go test -race -count=1 -tags testclock ./internal/clock

# Each fuzz target runs for a short while beyond its seeds (which the run
# above replayed). A failing input is written to the package's
# testdata/fuzz/<target>/: commit it with the fix, so it is replayed by
# every later run.
fuzz_time=3s
section "fuzzing (${fuzz_time} per target)"
for file in $(grep -rl --include='*_test.go' '^func Fuzz' internal | sort); do
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "$target ($(dirname "$file"))"
		if ! out=$(go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzz_time" "./$(dirname "$file")" 2>&1); then
			echo "$out"
			exit 1
		fi
	done
done

section "done: all tests passed"
