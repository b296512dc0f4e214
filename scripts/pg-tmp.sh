#!/bin/sh
# pg-tmp.sh — a throw-away PostgreSQL 15 (Debian's packages) for the tests: a cluster
# made by initdb in a new temporary folder, listening on a free loopback port only,
# trusting local connections (nothing else can reach it), and removed when stopped.
# Without fsync (a test needs no durability) unless PG_TMP_FSYNC=on (the benchmark).
#   scripts/pg-tmp.sh start   prints "DIR URI" (URI: postgresql://algoreg@127.0.0.1:PORT/algoreg)
#   scripts/pg-tmp.sh stop DIR
# PostgreSQL refuses to run as root; as root the cluster belongs to the postgres user.
set -eu
bin=/usr/lib/postgresql/15/bin
as() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
    [ -x "$bin/initdb" ] || { echo "pg-tmp: PostgreSQL 15 is not installed ($bin)" >&2; exit 1; }
    dir=$(mktemp -d /tmp/algoreg-pg-XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as "$bin/initdb" -D "$dir/data" -U algoreg --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fsync=${PG_TMP_FSYNC:-off} # tests need no durability; the benchmark sets on
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=$fsync -c full_page_writes=$fsync" >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    as "$bin/createdb" -h 127.0.0.1 -p "$port" -U algoreg algoreg
    echo "$dir postgresql://algoreg@127.0.0.1:$port/algoreg"
    ;;
stop)
    dir=${2:?usage: pg-tmp.sh stop DIR}
    case "$dir" in /tmp/algoreg-pg-*) ;; *) echo "pg-tmp: not a throw-away cluster: $dir" >&2; exit 1 ;; esac
    as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: scripts/pg-tmp.sh start | stop DIR" >&2
    exit 2
    ;;
esac
