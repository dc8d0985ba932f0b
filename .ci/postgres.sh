#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster for the PostgreSQL store tests and prints
# the line that points the tests at it:
#
#   . .ci/postgres.sh             # from .ci/run: exports APIKEYS_TEST_POSTGRES,
#                                 # returns 1 (stopping a set -e script) on failure
#   .ci/postgres.sh               # prints: export APIKEYS_TEST_POSTGRES='postgres://…'
#
# Not `eval "$(.ci/postgres.sh)"` in a set -e script: eval of an empty string
# succeeds, so a failure here would go unnoticed. If you want eval, assign first:
# `pg="$(.ci/postgres.sh)"; eval "$pg"` (an assignment keeps the exit status).
#
# On a fresh Debian machine: installs postgresql-15 if it is missing (apt-get),
# creates the 15/main cluster if it does not exist, starts it (it is not running
# at boot), waits until it accepts connections, and makes a login role that may
# create databases (the tests make one throw-away database per test). Running it
# again changes nothing. Progress goes to stderr; stdout carries only the export
# line, so eval sees nothing else. Needs root (or the postgres user itself).
#
# The role's password is fixed and public on purpose: the cluster listens on
# 127.0.0.1 only and exists for the tests. Override with APIKEYS_PG_PASSWORD
# (URL-safe characters only: it goes into the URL as it is). APIKEYS_PG_VERSION
# picks another major version than 15.

apikeys_pg_main() (
	set -euo pipefail

	local version="${APIKEYS_PG_VERSION:-15}" cluster=main
	local role=apikeys password="${APIKEYS_PG_PASSWORD:-apikeys}"
	local bindir=/usr/lib/postgresql/$version/bin

	say() { echo "postgres.sh: $*" >&2; }
	die() { say "FAILED: $*"; exit 1; }

	# as_postgres runs a command as the cluster's owner: psql authenticates the
	# superuser by peer over the unix socket, which needs that OS user.
	as_postgres() {
		if [ "$(id -un)" = postgres ]; then
			"$@"
		elif [ "$(id -u)" = 0 ]; then
			if command -v runuser >/dev/null; then
				runuser -u postgres -- "$@"
			else
				su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
			fi
		else
			die "run as root (or as the postgres user): starting the cluster and creating the role need it"
		fi
	}

	# 1. PostgreSQL 15 itself.
	if [ ! -x "$bindir/postgres" ] || ! command -v pg_ctlcluster >/dev/null; then
		say "PostgreSQL $version is not installed; installing postgresql-$version with apt-get"
		[ "$(id -u)" = 0 ] || die "PostgreSQL $version is missing and installing it needs root"
		command -v apt-get >/dev/null || die "PostgreSQL $version is missing and there is no apt-get to install it"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update >&2 || die "apt-get update failed: PostgreSQL $version can't be installed"
		apt-get install -y --no-install-recommends "postgresql-$version" >&2 ||
			die "apt-get install postgresql-$version failed"
		[ -x "$bindir/postgres" ] || die "postgresql-$version installed but $bindir/postgres is missing"
	fi

	# 2. The cluster. Installing the package usually creates it; a machine image
	# may have been built without it.
	if ! pg_lsclusters -h "$version" "$cluster" >/dev/null 2>&1; then
		say "creating cluster $version/$cluster"
		[ "$(id -u)" = 0 ] || die "cluster $version/$cluster does not exist and creating it needs root"
		pg_createcluster "$version" "$cluster" >&2 || die "pg_createcluster $version $cluster failed"
	fi
	local port status
	read -r _ _ port status _ < <(pg_lsclusters -h "$version" "$cluster")
	[ -n "$port" ] || die "can't read the port of cluster $version/$cluster from pg_lsclusters"

	# 3. Start it unless it is already running.
	case "$status" in
	online*) say "cluster $version/$cluster already running on port $port" ;;
	*)
		say "starting cluster $version/$cluster on port $port"
		pg_ctlcluster "$version" "$cluster" start >&2 ||
			die "pg_ctlcluster $version $cluster start failed; see /var/log/postgresql/postgresql-$version-$cluster.log"
		;;
	esac

	# 4. Wait until it accepts connections, on the socket and on TCP (the URL uses TCP).
	local i
	for i in $(seq 1 60); do
		if "$bindir/pg_isready" -q -p "$port" && "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
			break
		fi
		[ "$i" -lt 60 ] || die "cluster $version/$cluster is not ready after 30 s; see /var/log/postgresql/postgresql-$version-$cluster.log"
		sleep 0.5
	done

	local url="postgres://$role:$password@127.0.0.1:$port/postgres?sslmode=disable"
	# can_connect: the URL works and its role may create the tests' databases.
	can_connect() {
		[ "$(PGCONNECT_TIMEOUT=10 "$bindir/psql" -X -q -At "$url" \
			-c 'SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user' 2>/dev/null)" = t ]
	}

	# 5. The role, created or brought back to the expected password and rights,
	# unless it already works. The password reaches psql as a variable (:'pw'
	# quotes it), never in argv.
	can_connect || as_postgres "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres \
		-v role="$role" -v pw="$password" >&2 <<-'SQL' || die "creating role failed"
		SELECT format('CREATE ROLE %I', :'role')
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
		SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw') \gexec
	SQL

	# 6. Prove the URL works before handing it out.
	can_connect ||
		die "can't connect as $role to 127.0.0.1:$port (check pg_hba.conf allows scram-sha-256 on 127.0.0.1)"
	say "ready: $role@127.0.0.1:$port"
	printf "export APIKEYS_TEST_POSTGRES='%s'\n" "$url"
)

# Sourced: export into the caller's shell. Run: print the export line.
if (return 0 2>/dev/null); then
	if apikeys_pg_line="$(apikeys_pg_main)"; then
		eval "$apikeys_pg_line"
		unset apikeys_pg_line
		unset -f apikeys_pg_main
	else
		unset apikeys_pg_line
		unset -f apikeys_pg_main
		return 1
	fi
else
	apikeys_pg_main
fi
