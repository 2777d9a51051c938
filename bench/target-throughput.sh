#!/usr/bin/env bash
# chaos-target with the failure-injection middleware on versus off
# (--no-failure-injection), on a cheap endpoint, loaded by wrk on loopback.
# Reports throughput and, less sensitive to a noisy shared machine, the
# server's CPU time per request (utime + stime from /proc).
#
# The state file holds an expired failure, so the middleware does all its
# work on every request (check the file, expiry test) and then serves.
#
# Usage: bench/target-throughput.sh [seconds per run] [rounds] [path]
# Environment: STATE_RECHECK_MS (the target's --state-recheck-ms for the "on"
# runs; default: the target's own default), STATE_DIR (where the state file
# lives; default /tmp).
# Needs wrk and taskset (wrk is installed from Debian's packages if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-5}
path=${3:-/products/1}
connections=32
port=18080

if ! command -v wrk >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin chaos-target
bin=target/release/chaos-target
work=$(mktemp -d "${STATE_DIR:-/tmp}/chaos-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
ticks_per_second=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One server worker pinned to CPU 0, one wrk thread pinned to CPU 1.
run_once() { # $1: on|off; prints "requests_per_second cpu_us_per_request"
    local flag=()
    [ "$1" = off ] && flag=(--no-failure-injection)
    # STATE_RECHECK_MS overrides the target's default (10 ms; 0 = a stat per request).
    [ "$1" = on ] && [ -n "${STATE_RECHECK_MS:-}" ] && flag=(--state-recheck-ms "$STATE_RECHECK_MS")
    RUST_LOG=warn taskset -c 0 "$bin" --bind 127.0.0.1 --port $port --workers 1 \
        --state-file "$work/state.json" "${flag[@]}" >/dev/null 2>&1 &
    pid=$!
    until "$bin" healthcheck --port $port 2>/dev/null; do sleep 0.05; done
    printf '{"mode":"slow","delay":15,"timestamp":1,"expires_at":2}\n' >"$work/state.json"
    local before after report
    before=$(cpu_ticks "$pid")
    report=$(taskset -c 1 wrk -t1 -c$connections -d"${duration}s" "http://127.0.0.1:$port$path")
    after=$(cpu_ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    echo "$report" | awk -v t="$((after - before))" -v hz="$ticks_per_second" '
        /requests in/ {requests = $1}
        /Requests\/sec/ {rps = $2}
        END {printf "%.0f %.2f\n", rps, t / hz * 1e6 / requests}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(uname -sr)"
echo "load: wrk -t1 -c$connections -d${duration}s $path, server 1 worker; $rounds rounds, off and on alternating"
: >"$work/off"; : >"$work/on"
for round in $(seq 1 "$rounds"); do
    for mode in off on; do
        result=$(run_once $mode)
        echo "$result" >>"$work/$mode"
        echo "round $round, middleware $mode: $(echo "$result" | awk '{printf "%s req/s, %s us CPU/request", $1, $2}')"
    done
done
rps_off=$(cut -d' ' -f1 "$work/off" | median); rps_on=$(cut -d' ' -f1 "$work/on" | median)
cpu_off=$(cut -d' ' -f2 "$work/off" | median); cpu_on=$(cut -d' ' -f2 "$work/on" | median)
awk -v ro="$rps_off" -v rn="$rps_on" -v co="$cpu_off" -v cn="$cpu_on" 'BEGIN {
    printf "median throughput: off %.0f req/s, on %.0f req/s (%+.1f%%)\n", ro, rn, (rn - ro) / ro * 100
    printf "median CPU per request: off %.2f us, on %.2f us (middleware cost %+.1f%%)\n", co, cn, (cn - co) / co * 100 }'
