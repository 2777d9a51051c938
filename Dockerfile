# chaos-engine container image. It also carries chaos-target, the reference
# target service, so one image serves the whole Compose demo.
#
#   docker build -t chaos-engine .
#   docker run --rm -v chaos-state:/tmp chaos-engine
#   docker run --rm -v chaos-state:/tmp -p 8000:8000 --entrypoint chaos-target chaos-engine

# ---- build -----------------------------------------------------------------
FROM rust:1-slim-bookworm AS builder
WORKDIR /src

# Dependencies first, in a layer of their own that only the manifests and
# Cargo.lock invalidate: cargo builds them against empty stand-ins for every
# source file the manifests name (tests/engine/dockerfile.rs checks that this
# list and the COPY lines below cover them all), then forgets the stand-ins'
# own build so that the real sources are always compiled.
COPY Cargo.toml ./
COPY Cargo.lock ./
COPY crates/chaos-state/Cargo.toml crates/chaos-state/
COPY crates/chaos-target/Cargo.toml crates/chaos-target/
COPY crates/chaos-delayer/Cargo.toml crates/chaos-delayer/
RUN for stub in \
        src/lib.rs \
        src/main.rs \
        src/bin/chaos-target.rs \
        tests/engine/main.rs \
        tests/compose/main.rs \
        benches/scale.rs \
        benches/docker_faults.rs \
        benches/delayer/main.rs \
        crates/chaos-state/src/lib.rs \
        crates/chaos-state/benches/reader.rs \
        crates/chaos-target/src/lib.rs \
        crates/chaos-delayer/src/lib.rs \
        crates/chaos-delayer/src/main.rs \
    ; do mkdir -p "$(dirname "$stub")" && echo 'fn main() {}' > "$stub"; done \
    && cargo build --release --locked --bin chaos-engine --bin chaos-target \
    && cargo clean --release --locked -p chaos-engine -p chaos-state -p chaos-target

# The sources. Cargo parses every target the manifests declare, so benches/
# and tests/ come too, though only the two binaries are built.
COPY src/ src/
COPY crates/ crates/
COPY benches/ benches/
COPY tests/ tests/
RUN cargo build --release --locked --bin chaos-engine --bin chaos-target

# ---- runtime ---------------------------------------------------------------
FROM debian:bookworm-slim

COPY --from=builder /src/target/release/chaos-engine /src/target/release/chaos-target /usr/local/bin/

# A fixed unprivileged user, uid and gid 10001, and a state directory it owns,
# for running without root (`user: "10001"`; see docs/docker.md). A named
# volume mounted on /var/lib/chaos starts out owned by that user.
RUN echo 'chaos:x:10001:10001:chaos-engine:/var/lib/chaos:/usr/sbin/nologin' >> /etc/passwd \
    && echo 'chaos:x:10001:' >> /etc/group \
    && mkdir -p /var/lib/chaos \
    && chown 10001:10001 /var/lib/chaos

# The timing defaults (interval 180 s, recovery 30 s, startup wait 60 s) are
# built into the binary and deliberately not set here: an environment
# variable beats the targets file, so setting them in the image would
# silently override `defaults:` in a mounted targets.yaml.
# The fault ledger (every Docker fault, written before it is applied) lives
# on the /var/lib/chaos volume, so that a restarted engine undoes what a
# killed one left behind.
# The HTTP API listens on all interfaces for the health check and for
# /status and /metrics; without CHAOS_API_TOKEN its control (POST) endpoints
# answer 403 on a non-loopback address. Set CHAOS_API_TOKEN to enable them.
ENV CHAOS_ENABLED=true \
    FAILURE_STATE_FILE=/tmp/failure_state.json \
    CHAOS_LEDGER_DIR=/var/lib/chaos/ledger \
    CHAOS_LOG_FORMAT=text \
    CHAOS_HTTP_ADDR=0.0.0.0:9797 \
    RUST_LOG=info
EXPOSE 9797
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["chaos-engine", "healthcheck"]

# The image runs as root by default, compatible with target apps that share
# /tmp and create their state file there as root: in a sticky directory such
# as /tmp only a file's owner (or root) may rename over it, and the engine
# always replaces a state file by renaming. Without root, share
# /var/lib/chaos instead (not sticky, owned by uid 10001).

# On SIGTERM the engine writes every target healthy and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["chaos-engine"]
CMD ["run"]
