#!/usr/bin/env bash
# Measures the figures reported for the engine core: release binary size,
# resident memory and CPU of an idle single-target engine at the default
# timings, and SIGTERM-to-exit time with a failure active.
# Usage: bench/core-figures.sh [runs]   (default 5 shutdown runs)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

cargo build --release --quiet --bin chaos-engine
bin=target/release/chaos-engine
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(uname -sr), $(rustc --version)"
echo "release binary: $(stat -c %s "$bin") bytes"

# Idle: default timings (60 s startup wait), one target.
FAILURE_STATE_FILE="$work/idle.json" "$bin" >"$work/idle.log" 2>&1 &
pid=$!
sleep 10
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo "idle single target after 10 s: VmRSS ${rss} KiB, peak ${hwm} KiB, CPU ${ticks} clock ticks ($(getconf CLK_TCK)/s)"
kill -TERM "$pid"
wait "$pid"

# Shutdown with a failure active: interval 60 s, recovery 30 s, no wait.
for run in $(seq 1 "$runs"); do
    state="$work/fail-$run.json"
    FAILURE_STATE_FILE="$state" "$bin" --interval 60 --recovery 30 --startup-wait 0 >"$work/fail.log" 2>&1 &
    pid=$!
    until grep -q '"injected_by"' "$state" 2>/dev/null; do sleep 0.01; done
    start=$(date +%s%N)
    kill -TERM "$pid"
    wait "$pid" && code=0 || code=$?
    end=$(date +%s%N)
    reason=$(grep -o '"reason":"[a-z]*"' "$state")
    echo "run $run: SIGTERM to exit $(( (end - start) / 1000 )) us, exit code $code, state file $reason"
done
