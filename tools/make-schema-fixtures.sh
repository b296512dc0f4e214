#!/bin/sh
# make-schema-fixtures.sh — the databases of every earlier schema, for the upgrade test
# (tests/e2e/test_upgrade.py). Released (landed) schemas: 3 (first landing, 23a2d8c),
# 6 (second, c209b38), 8 (9efb114), 10 (single sign-on, 70101c6), 11 (e-mail notices and
# PostgreSQL, 52c6d8d); 4, 5 and 7 existed
# between landings and are tested as well; so is 9 (retraction and concepts, before
# single sign-on).
# Schemas 1 and 2 were never released: their migration 0001 was still being changed
# (themes column, meta table) before the first landing, so no register at them exists.
# For each schema N, algoreg is built
# at the last commit that had it, a demonstration register is made with that build
# (init --demo at a fixed time), and its server's signed checkpoint and verifier key are
# saved; the database goes in gzipped. Run once when a migration is added; the output
# is committed under tests/fixtures/schema/vN/. The keys there are test keys only.
# Usage: tools/make-schema-fixtures.sh [N ...]   (default: all)
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
# schema N → the last commit at schema N
commits="3:23a2d8c 4:40fe4ac 5:d47d525 6:c209b38 7:bcc9d64 8:9efb114 9:11ccae7 10:70101c6 11:52c6d8d"
want="${*:-3 4 5 6 7 8 9 10 11}"
work=$(mktemp -d)
trap 'git -C "$root" worktree prune; rm -rf "$work"' EXIT
for pair in $commits; do
    n=${pair%%:*}
    c=${pair#*:}
    case " $want " in *" $n "*) ;; *) continue ;; esac
    echo "schema $n: building $c"
    git worktree add -q --detach "$work/w$n" "$c"
    scripts/copy-styles.sh "$work/w$n"
    make -C "$work/w$n" -j2 build/algoreg >"$work/build$n.log" 2>&1 ||
        { tail -20 "$work/build$n.log"; exit 1; }
    bin="$work/w$n/build/algoreg"
    out="tests/fixtures/schema/v$n"
    rm -rf "$out"
    mkdir -p "$out" "$work/db$n"
    db="$work/db$n/algoreg.db"
    ALGOREG_NOW=2026-06-01T09:00:00Z "$bin" init --db "$db" --demo >/dev/null 2>&1
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$bin" serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve$n.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/v1/registrations" >/dev/null && break; sleep 0.1; done
    if curl -fs "http://127.0.0.1:$port/checkpoint" >"$out/checkpoint"; then
        curl -fs "http://127.0.0.1:$port/api/v1/log" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["verifier_key"])' >"$out/vkey"
    else
        rm -f "$out/checkpoint" # schema 1 had no log
    fi
    kill -TERM "$pid"
    wait "$pid" || true
    python3 - "$db" "$out/algoreg.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("VACUUM INTO ?", (sys.argv[2],))
PY
    gzip -9n "$out/algoreg.db"
    [ -f "$db.key" ] && cp "$db.key" "$out/algoreg.db.key"
    [ -f "$db.enc" ] && cp "$db.enc" "$out/algoreg.db.enc"
    echo "$c" >"$out/commit"
    git worktree remove --force "$work/w$n"
    ls -la "$out"
done
