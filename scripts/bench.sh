#!/bin/sh
# bench.sh — `make bench`: performance figures against references measured in the same
# run, written to BENCHMARKS.md. Not a test: it reports, it does not pass or fail.
#   * 100,000 generated registrations; `algoreg import` time
#   * wrk on loopback: the entry page and the JSON entry vs nginx serving the same
#     entry page's bytes as a static file; search latency over a mix of queries
#   * server RSS with 100,000 entries
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
scripts/deps.sh --test wrk nginx-light procps bc >/dev/null
make -s build/algoreg
N=${BENCH_N:-100000}
DUR=${BENCH_SECONDS:-10}
W=$(mktemp -d /tmp/algoreg-bench.XXXXXX)
trap 'kill $SRV $NGX 2>/dev/null || true; rm -rf "$W"' EXIT INT TERM
SRV=""
NGX=""

echo "bench: generating $N registrations"
python3 bench/gen.py "$N" >"$W/gen.jsonl"
python3 bench/queries.py "$W/gen.jsonl" 500 >"$W/queries.txt"
build/algoreg init --db "$W/b.db" 2>/dev/null
# A service token (the operator's automation, published without four eyes) for the
# writes that measure the snapshot rebuild.
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "bench:$TOKEN" >"$W/b.db.tokens")
t0=$(date +%s.%N)
build/algoreg import --db "$W/b.db" "$W/gen.jsonl" 2>"$W/import.log"
t1=$(date +%s.%N)
import_s=$(echo "$t1 - $t0" | bc -l)
echo "bench: import of $N: ${import_s}s"

# ---- interoperability: the register's own data; spreadsheets of every entry ----------
secs() { # secs COMMAND...: wall seconds of one run
    a=$(date +%s.%N)
    "$@"
    b=$(date +%s.%N)
    echo "$b - $a" | bc -l
}
SCRAPE=../shared/data/algoritmeregister/dumps/schellevis-algoritmes-2026-08-08.json
scrape_row="| import of the national register's 1,530-record scrape | (../shared absent) | — | — | report |"
if [ -f "$SCRAPE" ]; then
    build/algoreg init --db "$W/s.db" 2>/dev/null
    scrape_s=$(secs build/algoreg import --db "$W/s.db" --format register-summary \
        --report "$W/scrape-report.jsonl" "$SCRAPE" 2>"$W/scrape.log")
    scrape_rate=$(echo "1530 / $scrape_s" | bc -l | xargs printf %.0f)
    gen_rate=$(echo "$N / $import_s" | bc -l | xargs printf %.0f)
    scrape_row="| import of the national register's 1,530-record scrape (normalised, reported per record) | $(printf %.2f "$scrape_s") s, $scrape_rate records/s | generated records, same run: $gen_rate records/s | $(echo "$scrape_rate $gen_rate" | awk '{printf "%.0f", 100*$1/$2}') % | report |"
fi
xlsx_s=$(secs build/algoreg export --db "$W/b.db" --format xlsx "$W/all.xlsx" 2>/dev/null)
csv_s=$(secs build/algoreg export --db "$W/b.db" --format csv "$W/all.csv" 2>/dev/null)
xlsx_mb=$(du -m "$W/all.xlsx" | cut -f1)
csv_mb=$(du -m "$W/all.csv" | cut -f1)
echo "bench: xlsx ${xlsx_s}s, csv ${csv_s}s"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/algoreg serve --db "$W/b.db" --listen "127.0.0.1:$port" --rate-limit 0 --service-tokens-publish 2>"$W/serve.log" &
SRV=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/about" && break; sleep 0.1; done
ID=$(sed -n '5000p' "$W/gen.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lars"])')
mkdir -p "$W/www"
curl -sf -o "$W/www/entry.html" "http://127.0.0.1:$port/registrations/$ID"
cat >"$W/nginx.conf" <<NGINX
worker_processes auto;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $W/tmp; proxy_temp_path $W/tmp; fastcgi_temp_path $W/tmp;
  uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;
  server {
    listen 127.0.0.1:$nport;
    root $W/www;
    default_type text/html;
  }
}
NGINX
mkdir -p "$W/tmp"
nginx -c "$W/nginx.conf" -g 'daemon off;' &
NGX=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$nport/entry.html" && break; sleep 0.1; done

echo "bench: nginx static entry page"
set -- $(run_wrk "http://127.0.0.1:$nport/entry.html" 64); ng_rps=$1; ng_p50=$2; ng_p99=$3
echo "bench: algoreg entry page"
set -- $(run_wrk "http://127.0.0.1:$port/registrations/$ID" 64); en_rps=$1; en_p50=$2; en_p99=$3
echo "bench: algoreg JSON entry"
set -- $(run_wrk "http://127.0.0.1:$port/api/v1/registrations/$ID" 64); js_rps=$1; js_p50=$2; js_p99=$3
# The first search after a write rebuilds the in-memory snapshot: measure that alone.
rebuild=""
for k in 1 2 3 4 5; do
    curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data "$(sed -n "${k}p" "$W/gen.jsonl" | sed "s/\"name\": \"/\"name\": \"Nieuw $k /")" \
        "http://127.0.0.1:$port/api/v1/registrations/$(sed -n "${k}p" "$W/gen.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lars"])')"
    t=$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/registrations?q=analyse")
    rebuild="$rebuild $t"
done
rebuild_ms=$(echo "$rebuild" | tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n 3p | awk '{printf "%.1f", $1*1000}')
curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/registrations?q=warm"
echo "bench: search, 500 different queries, one connection"
set -- $(run_wrk "http://127.0.0.1:$port/" 1 "$W/queries.txt"); se_rps=$1; se_p50=$2; se_p99=$3
echo "/?organization=politie-eenheid-7&status=In+gebruik" >"$W/home.txt"
echo "/api/v1/registrations?status=In%20gebruik&theme=Recht" >>"$W/home.txt"
echo "bench: filters without text (all $N entries counted), one connection"
set -- $(run_wrk "http://127.0.0.1:$port/" 1 "$W/home.txt"); fi_rps=$1; fi_p50=$2; fi_p99=$3
echo "/api/v1/registrations?q=gezicht" >"$W/broad.txt"
echo "bench: broad term (1 in 6 entries) ranked by relevance, one connection"
set -- $(run_wrk "http://127.0.0.1:$port/" 1 "$W/broad.txt"); br_rps=$1; br_p50=$2; br_p99=$3
echo "/api/v1/registrations?q=gezicht&sort=name" >"$W/broadn.txt"
set -- $(run_wrk "http://127.0.0.1:$port/" 1 "$W/broadn.txt"); bn_rps=$1; bn_p50=$2; bn_p99=$3
# Similar entries: 500 different entries, one connection (the entry page computes the same).
python3 -c '
import json, sys, random
ids = [json.loads(l)["lars"] for l in open(sys.argv[1])]
random.seed(7)
for i in random.sample(ids, 500):
    print("/api/v1/registrations/%s/similar" % i)' "$W/gen.jsonl" >"$W/similar.txt"
echo "bench: similar entries, 500 different entries, one connection"
set -- $(run_wrk "http://127.0.0.1:$port/" 1 "$W/similar.txt"); si_rps=$1; si_p50=$2; si_p99=$3
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$SRV/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SRV/status")

ratio() { echo "$1 $2" | awk '{printf "%.0f", 100*$1/$2}'; }

# ---- link monitoring: every entry links to the local nginx (loopback only) -------------
echo "bench: link check of $N URLs against nginx on loopback"
python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    d = json.loads(l)
    d["website"] = "http://127.0.0.1:%s/entry.html?n=%d" % (sys.argv[2], i)
    d.pop("url", None)
    print(json.dumps(d, ensure_ascii=False))' "$W/gen.jsonl" "$nport" >"$W/links.jsonl"
build/algoreg init --db "$W/l.db" 2>/dev/null
build/algoreg import --db "$W/l.db" "$W/links.jsonl" 2>/dev/null >/dev/null || true
t0=$(date +%s.%N)
build/algoreg links --db "$W/l.db" >"$W/links.txt"
t1=$(date +%s.%N)
links_s=$(echo "$t1 - $t0" | bc -l)
links_n=$(awk '/^checked/ {print $2}' "$W/links.txt")
links_bad=$(awk '/^broken/ {print $2}' "$W/links.txt")
links_rate=$(echo "$links_n $links_s" | awk '{printf "%.0f", $1/$2}')


# ---- transparency log ---------------------------------------------------------------
echo "bench: log append and proofs (C) and Go's sumdb/tlog on the same tree"
kill $SRV 2>/dev/null || true
SRV=""
make -s build/logbench
LN=${BENCH_LOG_N:-10000000}
build/logbench append "$W/log.db" 200000 >"$W/append.txt"
build/logbench proofs "$LN" 200000 >"$W/proofs-c.txt"
mkdir -p "$W/go"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$W/go/cache" go build -o "$W/go/tlogbench" bench/tlogbench.go
"$W/go/tlogbench" "$LN" 200000 >"$W/proofs-go.txt"
ap_rate=$(awk '/^append/ {print $6}' "$W/append.txt")
ap_bytes=$(awk '/^append/ {print $8}' "$W/append.txt")
c_uinc=$(awk '/^uncached inclusion/ {print $4}' "$W/proofs-c.txt")
c_ucon=$(awk '/^uncached consistency/ {print $4}' "$W/proofs-c.txt")
c_inc=$(awk '/^inclusion/ {print $3}' "$W/proofs-c.txt")
c_con=$(awk '/^consistency/ {print $3}' "$W/proofs-c.txt")
g_inc=$(awk '/^inclusion/ {print $3}' "$W/proofs-go.txt")
g_con=$(awk '/^consistency/ {print $3}' "$W/proofs-go.txt")
c_root=$(awk '/^root/ {print $2}' "$W/proofs-c.txt")
g_root=$(awk '/^root/ {print $2}' "$W/proofs-go.txt")
same_root=$([ "$c_root" = "$g_root" ] && echo "yes" || echo "NO")
xr() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
cpu=$(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
cat >BENCHMARKS.md <<MD
# Benchmarks

Produced by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d): $(nproc) cores
($cpu), $mem, Debian $(cat /etc/debian_version). wrk runs on the same machine as the
servers (loopback), 2 threads, ${DUR} s per figure. Each figure is compared with a
reference measured in the same run.

Data: $N generated registrations (bench/gen.py), SQLite store.

| what | result | reference | ratio | target |
|---|---|---|---|---|
| \`algoreg import\` of $N entries | $(printf %.1f "$import_s") s | — | — | < 10 s |
$scrape_row
| XLSX export of all $N entries (\`algoreg export --format xlsx\`, one row each, every field) | $(printf %.1f "$xlsx_s") s, $(echo "$N / $xlsx_s" | bc -l | xargs printf %.0f) rows/s, $xlsx_mb MB | CSV of the same rows: $(printf %.1f "$csv_s") s, $csv_mb MB | $(echo "$csv_s $xlsx_s" | awk '{printf "%.0f", 100*$1/$2}') % of CSV's speed | report |
| entry page (HTML), 64 connections | $en_rps req/s, p50 $en_p50 ms, p99 $en_p99 ms | nginx, same bytes as a static file: $ng_rps req/s, p99 $ng_p99 ms | $(ratio "$en_rps" "$ng_rps") % | ≥ 50 %, p99 < 10 ms |
| entry (JSON API), 64 connections | $js_rps req/s, p50 $js_p50 ms, p99 $js_p99 ms | nginx as above | $(ratio "$js_rps" "$ng_rps") % | ≥ 50 %, p99 < 10 ms |
| search, 500 different queries (1–2 words of an entry name), with counts per filter value | p50 $se_p50 ms, p99 $se_p99 ms | — | — | p50 < 5 ms |
| filters without text (counts over all entries) | p50 $fi_p50 ms, p99 $fi_p99 ms | — | — | — |
| broad term matching 1 in 6 entries, ranked by relevance | p50 $br_p50 ms, p99 $br_p99 ms | same term sorted by name: p50 $bn_p50 ms | — | — |
| first search after a write (rebuilds the snapshot), median of 5 | $rebuild_ms ms | — | — | — |
| similar entries (binary tf-idf over the rarer words' doclists, document frequencies in memory), 500 different entries | p50 $si_p50 ms, p99 $si_p99 ms | — | — | p50 < 5 ms |
| link check of $links_n URLs on loopback nginx (16 at once, HEAD) | $(printf %.1f "$links_s") s, $links_rate URLs/s, $links_bad broken | — | — | report |
| server RSS after the run | $((rss_kb / 1024)) MiB (peak $((hwm_kb / 1024)) MiB) | — | — | < 64 MB |

Transparency log (bench/logbench.c against Go's golang.org/x/mod/sumdb/tlog from Debian,
bench/tlogbench.go, on the same $LN-leaf tree — same root: $same_root — proving the same
200,000 random indexes):

| what | algoreg | Go sumdb/tlog | ratio | target |
|---|---|---|---|---|
| append and integrate, batches of 10,000 in SQLite | $ap_rate leaves/s | — | — | ≥ 100,000/s |
| storage per leaf (leaf data ~45 bytes, hashes, indexes) | $ap_bytes bytes | — | — | report |
| inclusion proofs over $LN leaves, as the server makes them | $c_inc /s | $g_inc /s | $(xr "$c_inc" "$g_inc")× | ≥ 2× |
| consistency proofs over $LN leaves, as the server makes them | $c_con /s | $g_con /s | $(xr "$c_con" "$g_con")× | ≥ 2× |
| inclusion proofs, no right-edge cache | $c_uinc /s | $g_inc /s | $(xr "$c_uinc" "$g_inc")× | — |
| consistency proofs, no right-edge cache | $c_ucon /s | $g_con /s | $(xr "$c_ucon" "$g_con")× | — |

Notes
- Search counts per filter value in one pass over an in-memory snapshot of the
  filterable values (src/store/search.c); only the page of results is read from SQLite.
- Relevance ranking uses FTS5's bm25 up to 2,000 matches; above that, entries whose name
  holds every query word come first, each part ordered by name (bm25 over every match of
  a very broad term would cost tens of milliseconds).
- The snapshot is rebuilt on the first search after any write (any process, via the
  database's change counter), which is the cost in the "first search after a write" row;
  \`algoreg serve\` builds it at start-up. Entry pages and JSON entries are served from a
  response cache keyed by the same counter.
- Both proof generators read stored complete-subtree hashes. A proof against a tree whose
  size is not a power of two also needs the hashes of its right edge; the server keeps
  those (they never change in an append-only log: struct ar_merkle_cache), Go's tlog
  hashes them again for every proof. The uncached rows compare the bare algorithms; there
  Go's crypto/sha256 has the CPU's SHA instructions and libsodium's portable SHA-256 not.
MD
cat BENCHMARKS.md
