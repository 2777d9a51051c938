#!/usr/bin/env bash
# chaos-target throughput with the failure-injection middleware on versus
# off (--no-failure-injection), on a cheap endpoint, with wrk on loopback.
# The state file holds an expired failure, so the middleware does its full
# work (stat, cached record, expiry check) and then serves normally.
#
# Usage: bench/target-throughput.sh [seconds per run] [rounds]
# Needs wrk (installed from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-3}
path=/products/1
connections=32

if ! command -v wrk >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin chaos-target
bin=target/release/chaos-target
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# One server worker and one wrk thread: one core each on a 2-core machine.
run_once() { # $1: on|off
    local flag=() port=18080
    [ "$1" = off ] && flag=(--no-failure-injection)
    RUST_LOG=warn "$bin" --bind 127.0.0.1 --port $port --workers 1 \
        --state-file "$work/state.json" "${flag[@]}" >/dev/null 2>&1 &
    pid=$!
    until "$bin" healthcheck --port $port 2>/dev/null; do sleep 0.05; done
    # An expired failure: read, parsed once, checked on every request.
    printf '{"mode":"slow","delay":15,"timestamp":1,"expires_at":2}\n' >"$work/state.json"
    wrk -t1 -c$connections -d"${duration}s" "http://127.0.0.1:$port$path" |
        awk '/Requests\/sec/ {print $2}'
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "machine: $(nproc) cores, $(uname -sr); wrk -t1 -c$connections -d${duration}s $path; server 1 worker"
on=(); off=()
for round in $(seq 1 "$rounds"); do
    off+=("$(run_once off)")
    on+=("$(run_once on)")
    echo "round $round: middleware off ${off[-1]} req/s, on ${on[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}")
awk -v on="$m_on" -v off="$m_off" 'BEGIN {
    printf "median: off %.0f req/s, on %.0f req/s, middleware cost %.1f%% of throughput\n", off, on, (off - on) / off * 100 }'
