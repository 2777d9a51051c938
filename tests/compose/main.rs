//! The container packaging, tested for real.
//!
//! - `dockerfile.rs`: the Dockerfile's COPY lines and dependency stand-ins
//!   cover every path the manifests name (always runs; no Docker needed).
//! - `demo.rs`: the Compose demo in real containers, with a time-compressed
//!   targets file, checked from outside through published ports,
//!   `docker inspect` and the engine's `/status`; `demo_inventory.rs`: its
//!   Docker target, a service that knows nothing of chaos-engine;
//!   `demo_first_fault.rs`: the shipped demo's first failure within
//!   seconds.
//! - `shipped_targets.rs`: the demo's targets file is valid and staggered
//!   (always runs).
//! - `fault_fixtures.rs`: a target container that knows nothing of
//!   chaos-engine, and the network helper image, for the Docker fault tests.
//! - `net_faults.rs`: network faults (partition, loss, rate, delay by netem
//!   or the user-space delayer and its fail-open,
//!   the dead-man's switch) applied by the network helper to a real container.
//! - `partial_faults.rs`: a loss fault that lets probes through ends by
//!   recovery, never by a probe; rules removed by hand end a fault by repair.
//! - `settle_repaired.rs`: a fault repaired by someone else (a kill undone
//!   by the restart policy) is closed in the fault ledger at the repair.
//! - `crash_safety.rs`: the fault ledger's guarantee (undone after
//!   SIGTERM, kill -9 and a failed undo; a second engine's faults left
//!   alone; nothing names the fault), and 30 kill -9s at random moments.
//! - `net_namespaces.rs`: network faults refused on containers in the host's
//!   or another container's namespace (the host's rules untouched), and
//!   applied to IPv6 too.
//! - `swarm_fixtures.rs`: a single-node swarm on the local Engine (made and
//!   left when there is none) and services of the target image on it;
//!   `swarm_tasks.rs`: kill and pause of Swarm task containers through a
//!   `docker:` target (a kill is repaired by Swarm, never started again by
//!   the engine); `swarm_repairs.rs`: a `scale` or `drain` set back by
//!   hand is a repair (`docker service scale`, `docker node update`) and
//!   stays as set.
//! - `swarm_cluster.rs`: a simulated two-node swarm of the project's own
//!   node containers (a dockerd in each, published on 127.0.0.1);
//!   `swarm_nodes.rs`: a task on node2 killed and replaced by Swarm, node2
//!   drained and made active again, a partition on node2 left by kill -9
//!   undone by `recover`, each through node2's Engine.
//! - `tls_fixtures.rs`: a CA and certificates made in the test, and a
//!   second dockerd speaking only TLS on 127.0.0.1; `tls_engines.rs`:
//!   Docker targets on it (`cert_path`, `DOCKER_TLS_VERIFY`), a refused
//!   certificate and an absent Engine at `validate`, a pause over TLS.
//! - `tmp_layout.rs`: the image's defaults (root, `/tmp`), as target apps
//!   of the original service share it.
//!
//! The Docker tests are `#[ignore]`d so that `cargo test` passes on a
//! machine without Docker; `.ci/run` makes the base images
//! (`.ci/docker-bases.sh`) and runs them with `--ignored`.

mod docker;
#[allow(dead_code)]
#[path = "../engine/helpers.rs"]
mod engine_helpers;
#[allow(dead_code)]
#[path = "../engine/http.rs"]
mod http;

mod crash_safety;
mod demo;
mod demo_first_fault;
mod demo_inventory;
mod docker_faults;
mod docker_promises;
mod dockerfile;
mod engine_docker;
mod fault_fixtures;
mod net_faults;
mod net_namespaces;
mod partial_faults;
mod settle_repaired;
mod shipped_targets;
mod swarm_cluster;
mod swarm_fixtures;
mod swarm_kind;
mod swarm_nodes;
mod swarm_repairs;
mod swarm_tasks;
mod tls_engines;
mod tls_fixtures;
mod tmp_layout;
