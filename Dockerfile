# chaos-engine container image. It also carries chaos-target, the reference
# target service, so one image serves the whole Compose demo.
#
#   docker build -t chaos-engine .
#   docker run --rm -v chaos-state:/tmp chaos-engine
#   docker run --rm -v chaos-state:/tmp -p 8000:8000 --entrypoint chaos-target chaos-engine

# ---- build -----------------------------------------------------------------
FROM rust:1-slim-bookworm AS builder
WORKDIR /src

# Only what the release binary needs; tests/ and the rest stay out.
COPY Cargo.toml Cargo.lock ./
COPY crates/ crates/
COPY src/ src/
RUN cargo build --release --locked --bin chaos-engine --bin chaos-target

# ---- runtime ---------------------------------------------------------------
FROM debian:bookworm-slim

COPY --from=builder /src/target/release/chaos-engine /src/target/release/chaos-target /usr/local/bin/

# The timing defaults (interval 180 s, recovery 30 s, startup wait 60 s) are
# built into the binary and deliberately not set here: an environment
# variable beats the targets file, so setting them in the image would
# silently override `defaults:` in a mounted targets.yaml.
# The HTTP API listens on all interfaces for the health check and for
# /status and /metrics; without CHAOS_API_TOKEN its control (POST) endpoints
# answer 403 on a non-loopback address. Set CHAOS_API_TOKEN to enable them.
ENV CHAOS_ENABLED=true \
    FAILURE_STATE_FILE=/tmp/failure_state.json \
    CHAOS_LOG_FORMAT=text \
    CHAOS_HTTP_ADDR=0.0.0.0:9797 \
    RUST_LOG=info
EXPOSE 9797
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["chaos-engine", "healthcheck"]

# The image runs as root on purpose. In the demo Compose set-up the volume
# shared with the target app is mounted on /tmp, which has the sticky bit, and
# the target app runs as root and creates the state file when it starts. In a
# sticky directory only the owner of a file (or root) may rename over it, so a
# non-root engine could not atomically replace the root-owned state file.
# To run as non-root, mount the shared volume on a dedicated directory instead
# (e.g. /var/lib/chaos), point FAILURE_STATE_FILE (or targets.yaml) into it and
# set `user:`; see "Docker" in README.md.

# On SIGTERM the engine writes every target healthy and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["chaos-engine"]
CMD ["run"]
