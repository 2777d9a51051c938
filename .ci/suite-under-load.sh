#!/usr/bin/env bash
# Runs the test suite RUNS times (default 20) while one busy loop per core
# keeps the machine saturated, and prints how many runs passed. The suite
# must pass every time: this is how its determinism is checked, and
# .ci/run runs it twice with --docker, so that a race fails CI.
#
#   bash .ci/suite-under-load.sh [RUNS] [--docker [--swarm]]
#
# One run is `cargo test --workspace` (its output shown, summaries
# included); with --docker, also the container tests but the Swarm and TLS
# ones, `cargo test --test compose -- --ignored --skip swarm_ --skip tls_`
# (they need a Docker Engine and the base images: run .ci/docker-bases.sh
# first); with --swarm as well, then the Swarm and TLS tests one at a time,
# as .ci/run runs them. Each run's whole output is kept in
# target/suite-under-load/run-N.log while it runs, and only the logs of
# failed runs are kept after.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=20
docker_tests=""
swarm_tests=""
for arg in "$@"; do
    case "$arg" in
    --docker) docker_tests=1 ;;
    --swarm) swarm_tests=1 ;;
    *[!0-9]* | "")
        echo "usage: $0 [RUNS] [--docker [--swarm]]" >&2
        exit 2
        ;;
    *) runs=$arg ;;
    esac
done
logs=target/suite-under-load
mkdir -p "$logs"
cargo test --workspace --no-run --quiet

busy=()
stop_busy() {
    for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
}
swarm_left=""
cleanup() {
    stop_busy
    # The Swarm tests make a single-node swarm when the Engine is in none
    # and leave it at their end; a run killed before that leaves it here.
    if [ -n "$swarm_left" ]; then docker swarm leave --force >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ -n "$swarm_tests" ] && [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" = inactive ]; then
    swarm_left=1
fi
for _ in $(seq "$(nproc)"); do
    (while :; do :; done) &
    busy+=("$!")
done

# One run: every step, each shown as it runs and written to the run's log.
one_run() {
    echo "==> cargo test --workspace (with $(nproc) busy loops)"
    cargo test --workspace || return 1
    [ -n "$docker_tests" ] || return 0
    echo "==> cargo test --test compose -- --ignored --skip swarm_ --skip tls_ (with $(nproc) busy loops)"
    cargo test --test compose -- --ignored --skip swarm_ --skip tls_ || return 1
    [ -n "$swarm_tests" ] || return 0
    echo "==> cargo test --test compose -- --ignored --test-threads=1 swarm_ tls_ (with $(nproc) busy loops)"
    cargo test --test compose -- --ignored --test-threads=1 swarm_ tls_ || return 1
}

passed=0
for run in $(seq "$runs"); do
    log="$logs/run-$run.log"
    echo "=== run $run of $runs ==="
    if one_run 2>&1 | tee "$log"; then
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
