#!/bin/sh
# run-tests.sh — every test: cmocka unit tests (ASan+UBSan), end-to-end tests against a
# real server on loopback, the browser test in headless Chromium, and each fuzz target
# for a bounded time (FUZZ_SECONDS), and the Debian package installed in a debootstrap
# chroot (tests/package/run.py), with a throw-away PostgreSQL running for the tests of
# both databases (scripts/pg-tmp.sh). Ends with one line
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
log=$(mktemp)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

# A throw-away PostgreSQL 15 for the tests that run on both databases; stopped and
# removed however this script ends. One that does not start is a failure.
pg=""
if out=$(scripts/pg-tmp.sh start); then
    pg=${out%% *}
    export ALGOREG_TEST_PG="${out#* }"
    echo "postgresql: $ALGOREG_TEST_PG"
else
    echo "postgresql: the throw-away cluster did not start"
    add 0 1
fi
trap '[ -z "$pg" ] || scripts/pg-tmp.sh stop "$pg"' EXIT

# unit LABEL BINARY: run one cmocka binary and count what it reports.
unit() {
    "$2" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log")
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | head -1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crash or sanitizer report
    if [ "$f" -ne 0 ]; then cat "$log"; fi
    echo "$1 $(basename "$2"): $p passed, $f failed"
    add "$p" "$f"
}

for t in build/tests/test_*; do
    [ -x "$t" ] && unit unit "$t"
done
# The unit tests whose stores are tests/unit/storefx.h, again on PostgreSQL (test_sql
# runs both halves itself).
if [ -n "$pg" ]; then
    export ALGOREG_TEST_BACKEND=postgresql
    for t in approval auth cases exception notice sheet store witness; do
        unit unit-pg "build/tests/test_$t"
    done
    unset ALGOREG_TEST_BACKEND
fi

# suite NAME COMMAND...: run a suite whose last line is "NAME: N passed, M failed".
suite() {
    name=$1
    shift
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep "^$name:" "$log" | tail -1)
    if [ -z "$line" ] || [ "$rc" -ne 0 ]; then tail -150 "$log"; fi
    p=$(echo "$line" | sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p")
    f=$(echo "$line" | sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p")
    p=${p:-0}
    f=${f:-1}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    echo "${line:-$name: did not finish}"
    add "$p" "$f"
}

suite e2e python3 tests/e2e/run.py
[ -n "$pg" ] && suite e2e-pg env ALGOREG_TEST_BACKEND=postgresql python3 tests/e2e/run.py
suite browser node tests/browser/site.test.mjs
[ -n "$pg" ] && suite browser-pg env ALGOREG_TEST_BACKEND=postgresql node tests/browser/site.test.mjs
suite fuzz scripts/fuzz.sh
suite package python3 tests/package/run.py

rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
