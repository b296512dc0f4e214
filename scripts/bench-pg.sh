#!/bin/sh
# bench-pg.sh — the second half of `make bench`: the store on PostgreSQL against SQLite
# in one run, with BENCH_PG_N (default 1,000,000) generated registrations: the time to
# copy the register into PostgreSQL, search p50 over 500 queries, the first render of
# entry pages, and entry-page requests per second with one algoreg process and with two
# on the same database (all asking for one page: after its one render, the page cache),
# each beside the same figure on SQLite (two processes on one SQLite file in WAL mode).
# PostgreSQL 15 is a throw-away cluster with fsync on and its default settings
# (shared_buffers 128 MB). Writes its section of BENCHMARKS.md (after the one
# scripts/bench.sh writes).
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
scripts/deps.sh --test wrk bc >/dev/null
make -s build/algoreg
N=${BENCH_PG_N:-1000000}
DUR=${BENCH_SECONDS:-10}
W=$(mktemp -d /tmp/algoreg-benchpg.XXXXXX)
PIDS=""
PGDIR=""
trap 'kill $PIDS 2>/dev/null || true; [ -z "$PGDIR" ] || scripts/pg-tmp.sh stop "$PGDIR"; rm -rf "$W"' EXIT INT TERM
secs() { t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
serve() { # DB PORT: a server in the background, ready
    ALGOREG_STATE_DIR="$W/state" build/algoreg serve --db "$1" --listen "127.0.0.1:$2" \
        --rate-limit 0 2>>"$W/serve.log" &
    PIDS="$PIDS $!"
    for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$2/about" && return 0; sleep 0.1; done
    echo "bench-pg: the server on $2 did not start" >&2
    exit 1
}
first_search_ms() { # PORT: the first search builds the process's snapshot
    curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$1/?q=systeem" |
        awk '{printf "%.0f", $1 * 1000}'
}

echo "bench-pg: generating $N registrations"
python3 bench/gen.py "$N" >"$W/gen.jsonl"
python3 bench/queries.py "$W/gen.jsonl" 500 >"$W/queries.txt"
build/algoreg init --db "$W/s.db" 2>/dev/null
echo "bench-pg: import into SQLite"
import_s=$(secs build/algoreg import --db "$W/s.db" "$W/gen.jsonl" 2>"$W/import.log")
out=$(PG_TMP_FSYNC=on scripts/pg-tmp.sh start)
PGDIR=${out%% *}
URI=${out#* }
DB="${URI%/*}/bench"
psql -q "$URI" -c "CREATE DATABASE bench"
echo "bench-pg: copy into PostgreSQL"
copy_s=$(secs sh -c 'build/algoreg migrate --db "$1" --to "$2" >"$3" 2>&1' _ "$W/s.db" "$DB" \
    "$W/copy.log")
grep -q "rows copied" "$W/copy.log" || { cat "$W/copy.log" >&2; exit 1; }
mkdir -p "$W/state"
for ext in key enc; do install -m 600 "$W/s.db.$ext" "$W/state/bench.$ext"; done
psql -q "$DB" -c "VACUUM ANALYZE"
line=$(echo "$N" | awk '{print ($1 < 5000 ? $1 : 5000)}')
ID=$(sed -n "${line}p" "$W/gen.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lars"])')

p1=$(free_port)
p2=$(free_port)
p3=$(free_port)
p4=$(free_port)
serve "$W/s.db" "$p1"
serve "$DB" "$p2"
serve "$DB" "$p3"
serve "$W/s.db" "$p4"
# each process counts the vocabulary of similar entries in a thread of its own once it
# starts (ts_stat over every text on PostgreSQL): measure after that, not during it
for p in "$p1" "$p2" "$p3" "$p4"; do
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$p/api/v1/registrations/$ID/similar" | grep -q '"score"' && break
        sleep 1
    done
done
snap_lite=$(first_search_ms "$p1")
snap_pg=$(first_search_ms "$p2")
first_search_ms "$p3" >/dev/null
first_search_ms "$p4" >/dev/null
rss_pg=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/"$(echo $PIDS | awk '{print $2}')"/status)
rss_lite=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/"$(echo $PIDS | awk '{print $1}')"/status)

echo "bench-pg: search, 500 queries, one connection"
set -- $(run_wrk "http://127.0.0.1:$p1/" 1 "$W/queries.txt"); sl_p50=$2; sl_p99=$3
set -- $(run_wrk "http://127.0.0.1:$p2/" 1 "$W/queries.txt"); sp_p50=$2; sp_p99=$3
echo "bench-pg: entry pages never asked before (first render), one connection"
# up to 20,000 different entries, none of them $ID: each request renders its page
python3 - "$W/gen.jsonl" "$ID" >"$W/entries.txt" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    lars = json.loads(line)["lars"]
    if lars != sys.argv[2] and n < 20000:
        print("/registrations/" + lars)
        n += 1
PY
set -- $(run_wrk "http://127.0.0.1:$p1/" 1 "$W/entries.txt"); fl_p50=$2; fl_p99=$3
set -- $(run_wrk "http://127.0.0.1:$p2/" 1 "$W/entries.txt"); fp_p50=$2; fp_p99=$3
echo "bench-pg: entry page, 64 connections"
set -- $(run_wrk "http://127.0.0.1:$p1/registrations/$ID" 64); el_rps=$1
set -- $(run_wrk "http://127.0.0.1:$p2/registrations/$ID" 64); ep1_rps=$1
echo "bench-pg: entry page, two processes on one database, 32 connections each"
two() { # PORT PORT: requests per second of both together
    run_wrk "http://127.0.0.1:$1/registrations/$ID" 32 >"$W/two-a" &
    a=$!
    run_wrk "http://127.0.0.1:$2/registrations/$ID" 32 >"$W/two-b"
    wait $a
    cat "$W/two-a" "$W/two-b" | awk '{s += $1} END {printf "%.0f", s}'
}
ep2_rps=$(two "$p2" "$p3")
el2_rps=$(two "$p1" "$p4")
pct() { echo "$1 $2" | awk '{printf "%.0f %%", 100 * $1 / $2}'; }

cpu=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//')
{
    echo
    echo "## PostgreSQL against SQLite ($N registrations)"
    echo
    echo "Produced by scripts/bench-pg.sh on $(date -u +%Y-%m-%d), same machine ($(nproc) cores,"
    echo "$cpu); PostgreSQL 15 (Debian) on loopback, fsync on, default settings; each"
    echo "PostgreSQL figure beside SQLite's, measured in the same run."
    echo
    echo "| what | PostgreSQL | SQLite (same run) | PostgreSQL / SQLite |"
    echo "|---|---|---|---|"
    echo "| getting $N registrations in | copy from SQLite (algoreg migrate --to): $(printf %.0f "$copy_s") s | import: $(printf %.0f "$import_s") s | — |"
    echo "| first search (builds the process's snapshot) | $snap_pg ms | $snap_lite ms | $(pct "$snap_pg" "$snap_lite") |"
    echo "| search, 500 different queries, p50 / p99 | $sp_p50 / $sp_p99 ms | $sl_p50 / $sl_p99 ms | $(pct "$sp_p50" "$sl_p50") (p50) |"
    echo "| entry page never asked before (renders it: record, log index, similar entries, quality), one connection, p50 / p99 | $fp_p50 / $fp_p99 ms | $fl_p50 / $fl_p99 ms | $(pct "$fp_p50" "$fl_p50") (p50) |"
    echo "| entry page, one algoreg process, 64 connections | $(printf %.0f "$ep1_rps") req/s | $(printf %.0f "$el_rps") req/s | $(pct "$ep1_rps" "$el_rps") |"
    echo "| entry page, two algoreg processes on one database, 2 × 32 connections | $ep2_rps req/s | $el2_rps req/s (two processes on one file) | $(pct "$ep2_rps" "$el2_rps") |"
    echo "| server memory after the first search (RSS) | $rss_pg MiB | $rss_lite MiB | — |"
    echo
    echo "Search and the entry page read a per-process snapshot and page cache keyed by the"
    echo "database's change counter, so after the first search each backend mostly serves from"
    echo "memory; the second process shares the database, not the snapshot. wrk and both"
    echo "servers share the machine's $(nproc) cores, so two processes compete for the same CPUs."
} >>BENCHMARKS.md
echo "bench-pg: BENCHMARKS.md updated"
