#!/usr/bin/env bash
# make test: vet, race tests (unit, store conformance on SQLite and
# PostgreSQL, end-to-end against the real binary with real third-party
# clients and a real headless Chromium).
#
# As root (CI, a fresh Debian 12 machine) it installs what is missing with
# apt-get and runs the throw-away PostgreSQL as `postgres`. As anyone else
# it installs nothing: it finds PostgreSQL's initdb and pg_ctl in PG_BIN, on
# PATH or in /usr/lib/postgresql/*/bin, runs the cluster as the current
# user, installs the Node packages only if node and npm are there, and the
# tests of whatever is missing skip (saying so). Either way the cluster
# listens on 127.0.0.1 and is stopped on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s ====\n' "$*"; }

as_root=""
if [ "$(id -u)" -eq 0 ]; then
	as_root=1
fi
# What this run could not provide: only the tests that need it skip
# (REGISTRAR_TEST_MISSING below); every other prerequisite stays strict.
missing=()

apt_updated=""
apt_install() {
	if [ -z "$apt_updated" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# find_pg_bin prints the directory of initdb and pg_ctl: PG_BIN if set,
# else the one on PATH, else the newest Debian server's.
find_pg_bin() {
	if [ -n "${PG_BIN:-}" ]; then
		[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && echo "$PG_BIN"
		return
	fi
	local initdb
	if initdb=$(command -v initdb) && command -v pg_ctl >/dev/null; then
		# Debian links them into /usr/bin or /usr/local/bin: the real
		# directory also holds postgres, which the outage test starts.
		dirname "$(readlink -f "$initdb")"
		return
	fi
	initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$initdb" ] && dirname "$initdb"
}

# as_cluster_owner runs a PostgreSQL program as the cluster's owner:
# initdb and postgres refuse root, and only root may call runuser.
as_cluster_owner() {
	if [ -n "$as_root" ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# need_tool installs a missing Debian package as root; as anyone else it
# notes it as missing.
need_tool() {
	local tool=$1 package=$2 why=$3
	command -v "$tool" >/dev/null 2>&1 && return
	if [ -n "$as_root" ]; then
		echo "installing $package ($why)"
		apt_install "$package"
	else
		echo "$tool not found: the $why skip (install $package)" >&2
		missing+=("$tool")
	fi
}

section "dependencies"
go version
pg_bin=$(find_pg_bin || true)
if [ -z "$pg_bin" ] && [ -n "$as_root" ] && [ -z "${PG_BIN:-}" ]; then
	echo "installing postgresql"
	apt_install postgresql
	pg_bin=$(find_pg_bin)
fi
if [ -z "$pg_bin" ]; then
	echo "PostgreSQL's initdb and pg_ctl not found${PG_BIN:+ in PG_BIN=$PG_BIN}: install the PostgreSQL server," \
		"or set PG_BIN to the directory that holds them (e.g. /usr/lib/postgresql/15/bin)" >&2
	exit 1
fi
"$pg_bin/pg_ctl" --version
# Browser tests (e2e/browser_test.go) drive Debian's chromium; a browser
# downloaded by a test tool cannot work on these machines (MACHINE.md).
need_tool chromium chromium "browser tests"
chromium --version 2>/dev/null || true
# The README walkthrough test (e2e/devcli_test.go) runs its shell blocks,
# which use curl and jq as a reader would.
need_tool curl curl "README walkthrough tests"
need_tool jq jq "README walkthrough tests"
# The third-party JavaScript clients (e2e/thirdparty_test.go) run on Node.
# A fresh Debian has none, so root installs it; anyone else brings their own.
if ! { command -v node && command -v npm; } >/dev/null 2>&1; then
	if [ -n "$as_root" ]; then
		echo "installing nodejs and npm (third-party client tests)"
		apt_install nodejs npm
	else
		echo "node or npm not found: the third-party JavaScript client tests skip (install Node.js 20 or later)" >&2
		missing+=(node)
	fi
fi
# jose 6 and oauth4webapi 3 need Node 20's global WebCrypto; Debian 12's
# own nodejs is 18, so an older one counts as missing.
node_major=$( (node --version 2>/dev/null || true) | sed -n 's/^v\([0-9]*\)\..*/\1/p')
if [ -n "$node_major" ] && [ "$node_major" -lt 20 ]; then
	echo "node $(node --version) is older than 20, which the third-party client tests need: they skip (install Node.js 20, e.g. from NodeSource)" >&2
	missing+=(node)
elif [ -f e2e/js/package-lock.json ] && command -v npm >/dev/null 2>&1; then
	echo "installing e2e npm packages (npm ci, node $(node --version))"
	(cd e2e/js && npm ci --no-audit --no-fund --loglevel=error)
fi

section "throw-away PostgreSQL"
# Not under a root-only directory: as root, the cluster's files and socket
# belong to postgres.
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/registrar-test-pg.XXXXXX")
stop_pg() {
	if [ -f "$pg_dir/data/postmaster.pid" ]; then
		as_cluster_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$pg_dir"
}
trap stop_pg EXIT
# bash skips the EXIT trap when killed by a signal it does not handle.
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -n "$as_root" ]; then
	chown postgres "$pg_dir"
fi

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

as_cluster_owner "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
# Another process may take the port between asking and binding: retry.
started=""
for _ in 1 2 3; do
	pg_port=$(free_port)
	if as_cluster_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
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
# A test that finds a prerequisite missing fails instead of skipping
# (REGISTRAR_TEST_STRICT), except one this script named as missing
# (REGISTRAR_TEST_MISSING: chromium, curl, jq, node), whose tests skip:
# a Node older than 20 skips the JavaScript client tests, not the rest.
export REGISTRAR_TEST_STRICT=1
export REGISTRAR_TEST_MISSING="${missing[*]}"
if [ ${#missing[@]} -ne 0 ]; then
	echo "not installed: ${missing[*]}: their tests skip"
fi
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

# fuzz_once runs one target; a run that ends with Go's bare "context
# deadline exceeded" and wrote no failing input is the fuzzing
# coordinator's own race at the end of -fuzztime (go.dev/issue/75804,
# fixed in Go 1.27) and is run once more; anything else fails.
fuzz_once() {
	local target=$1 pkg=$2 out
	for attempt in 1 2; do
		if out=$(go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzz_time" "./$pkg" 2>&1); then
			return 0
		fi
		if [ "$attempt" = 2 ] || ! grep -q 'context deadline exceeded' <<<"$out" || grep -q 'Failing input written' <<<"$out"; then
			echo "$out"
			return 1
		fi
		echo "  the fuzzing coordinator's deadline race (no failing input written); running it again"
	done
}

section "fuzzing (${fuzz_time} per target)"
for file in $(grep -rl --include='*_test.go' '^func Fuzz' internal | sort); do
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "$target ($(dirname "$file"))"
		fuzz_once "$target" "$(dirname "$file")" || exit 1
	done
done

section "done: all tests passed"
