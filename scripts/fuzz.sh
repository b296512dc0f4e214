#!/bin/sh
# fuzz.sh — run every libFuzzer target (build/fuzz/fuzz_*) for a bounded time: first the
# saved regression inputs (tests/fuzz/regress/TARGET: crashes found before), then
# FUZZ_SECONDS (default 15) of fuzzing from the seed corpus (tests/fuzz/corpus/TARGET),
# working in a copy under build/ so the committed seeds stay as they are. A crash
# leaves its input as build/fuzz/crash-TARGET-*; copy it into the regression folder
# with the fix. Ends with "fuzz: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-15}
passed=0
failed=0
for bin in build/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work="build/fuzz/corpus-$name"
    mkdir -p "$work" "tests/fuzz/regress/$name"
    ok=1
    if [ -n "$(ls -A "tests/fuzz/regress/$name" 2>/dev/null)" ]; then
        "$bin" -runs=0 "tests/fuzz/regress/$name"/* >"build/fuzz/$name.regress.log" 2>&1 ||
            { ok=0; tail -40 "build/fuzz/$name.regress.log"; }
    fi
    if [ $ok = 1 ]; then
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="build/fuzz/crash-$name-" \
            "$work" "tests/fuzz/corpus/$name" >"build/fuzz/$name.log" 2>&1 ||
            { ok=0; tail -60 "build/fuzz/$name.log"; }
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$name.log" 2>/dev/null | tail -1)
    if [ $ok = 1 ]; then
        passed=$((passed + 1))
        echo "fuzz $name: ${runs:-0} inputs in ${secs}s, no crash"
    else
        failed=$((failed + 1))
        echo "fuzz $name: FAILED (input saved as build/fuzz/crash-$name-*)"
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
