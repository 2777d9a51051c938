#!/usr/bin/env bash
# Runs the whole test suite RUNS times (default 20) while one busy loop per
# core keeps the machine saturated, and prints how many runs passed. The
# suite must pass every time: this is how its determinism is checked.
#
#   bash .ci/suite-under-load.sh [RUNS]
#
# Logs of failed runs are kept in target/suite-under-load/run-N.log.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-20}
logs=target/suite-under-load
mkdir -p "$logs"
cargo test --workspace --no-run --quiet

busy=()
stop_busy() {
    for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_busy EXIT
for _ in $(seq "$(nproc)"); do
    (while :; do :; done) &
    busy+=("$!")
done

passed=0
for run in $(seq "$runs"); do
    log="$logs/run-$run.log"
    if cargo test --workspace >"$log" 2>&1; then
        passed=$((passed + 1))
        rm -f "$log"
        echo "run $run: ok"
    else
        echo "run $run: FAILED (see $log):"
        grep -E "^test .* FAILED|^---- |panicked" "$log" | head -20 || true
    fi
done
echo "$passed of $runs runs passed with $(nproc) busy loops"
[ "$passed" -eq "$runs" ]
