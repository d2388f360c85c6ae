#!/usr/bin/env bash
# Starts a throwaway Postgres for the checkout's multi-server test, unless it already runs,
# and prints its URL (an admin URL: the test creates and drops a database of its own).
#
#   export CHECKOUT_TEST_POSTGRES="$(bash checkout/scripts/test-postgres.sh)"
#   cargo test -p qosic-checkout --test it multi
#
# Needs Debian's `postgresql` package (`apt-get install -y postgresql`); .ci/run installs it.
# Listens on 127.0.0.1 only, port CHECKOUT_PG_PORT (default 54329), data under
# CHECKOUT_PG_DATA (default /tmp/qosic-checkout-pg), trust authentication: for tests only.
# Postgres refuses to run as root: as root, it runs as the `postgres` user.
set -euo pipefail

port="${CHECKOUT_PG_PORT:-54329}"
data="${CHECKOUT_PG_DATA:-/tmp/qosic-checkout-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
    echo "error: Postgres is not installed (apt-get install -y postgresql)" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        mkdir -p "$data"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data"; fi
        as_owner "$bin/initdb" -D "$data" -U postgres -A trust >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c max_connections=200 -c fsync=off -c shared_preload_libraries=pg_stat_statements" \
        start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres"
