# bench-lib.sh — shared by scripts/bench.sh and scripts/bench-pg.sh (sourced): wrk runs
# and their figures. Expects DUR (seconds per figure) and W (the run's folder).

# wrk URL CONNECTIONS [script] -> "rps p50 p99" (latencies in ms)
run_wrk() {
    t=2
    [ "$2" -ge 2 ] || t=1
    if [ -n "${3:-}" ]; then
        out=$(PATHS="$3" wrk -t$t -c"$2" -d"${DUR}s" --latency -s bench/paths.lua "$1")
    else
        out=$(wrk -t$t -c"$2" -d"${DUR}s" --latency "$1")
    fi
    echo "$out" >>"$W/wrk.log"
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    echo "$rps $(ms "$p50") $(ms "$p99") ${errs:-}"
}
ms() { # wrk prints 812.00us, 1.23ms or 1.02s
    case "$1" in
    *us) echo "$1" | sed 's/us$//' | awk '{printf "%.3f", $1/1000}' ;;
    *ms) echo "$1" | sed 's/ms$//' | awk '{printf "%.3f", $1}' ;;
    *s) echo "$1" | sed 's/s$//' | awk '{printf "%.3f", $1*1000}' ;;
    *) echo "$1" ;;
    esac
}

