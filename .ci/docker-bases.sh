#!/usr/bin/env bash
# Makes a Docker Engine usable for the Compose end-to-end test on a CI
# machine that has no container registry.
#
# 1. Starts `dockerd` when no engine answers (installing Debian's docker.io
#    first when there is none), and installs Debian's docker-compose when it
#    is missing.
# 2. Makes local STAND-INS for the two official base images the Dockerfile
#    names, when they are missing, without pulling anything:
#    - debian:bookworm-slim: a `debootstrap --variant=minbase bookworm` root
#      filesystem, `docker import`ed;
#    - rust:1-slim-bookworm: that root filesystem plus gcc and libc6-dev
#      (installed in a chroot), a copy of this machine's Rust toolchain
#      (`rustc --print sysroot`) and of the cargo registry cache for
#      Cargo.lock, with CARGO_NET_OFFLINE=true, so that the image build needs
#      no network at all.
#
# The stand-ins exist for CI only. Users with a registry get the official
# images, and this script leaves any image already there alone, except a
# rust stand-in of its own whose registry copy no longer matches Cargo.lock,
# which it makes again. Debian's packages come from the mirror this machine's
# apt is configured with.
#
# 3. Makes the network helper image the Docker fault tests use,
#    chaos-engine-nethelper:local, from docker/nethelper/Dockerfile with the
#    repository as context (a rust:1-slim-bookworm stage builds
#    chaos-delayer, crates/chaos-delayer; the image is debian:bookworm-slim
#    with Debian's iproute2 and iptables installed by apt inside `docker
#    build`, and that binary), when it is missing or was built from another
#    recipe: label io.chaos-engine.nethelper-dockerfile, a hash of the
#    Dockerfile, Cargo.toml, Cargo.lock and the chaos-delayer crate's files.
#    It needs the two base images of step 2, which `nethelper` alone makes
#    too when they are missing (or the rust stand-in is for another lock).
#
# 4. Makes the simulated Swarm node image, chaos-engine-swarmnode:local: a
#    `debootstrap --variant=minbase` root filesystem with Debian's docker.io
#    (dockerd, containerd, runc), iptables, iproute2 and procps, and the
#    start script docker/swarmnode/chaos-swarm-node (cgroup mounts, iptables
#    backend, dockerd kept running), `docker import`ed with that script as
#    CMD. The Swarm tests run two of them as the nodes of a swarm on one
#    machine without `--privileged` (the options are in the start script).
#    Made again when missing or made from another recipe: the import message
#    carries a hash of the package list, the start script and the function
#    that makes it.
#
#   bash .ci/docker-bases.sh          # idempotent; about 1 min when both are missing
#   bash .ci/docker-bases.sh nethelper   # only step 3 (the tests' fixture runs this)
#   bash .ci/docker-bases.sh swarmnode   # only step 4 (about 1 min when missing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEBIAN_IMAGE=debian:bookworm-slim
RUST_IMAGE=rust:1-slim-bookworm
STAND_IN_MARK="chaos-engine CI stand-in"

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
apt_updated=""

# Progress goes to standard error: some functions print a result on stdout.
say() {
    echo "docker-bases: $*" >&2
}

apt_install() {
    if [ -z "$apt_updated" ]; then
        $sudo_cmd apt-get update -qq
        apt_updated=1
    fi
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Polls `docker info` every 0.5 s, at most $1 times.
wait_for_engine() {
    for _ in $(seq 1 "$1"); do
        docker info >/dev/null 2>&1 && return 0
        pgrep -x dockerd >/dev/null || break
        sleep 0.5
    done
}

ensure_docker_engine() {
    if docker info >/dev/null 2>&1; then
        return
    fi
    if ! command -v dockerd >/dev/null 2>&1; then
        say "no Docker Engine; installing Debian's docker.io"
        apt_install docker.io
    fi
    # A dockerd that is starting or stopping: give it time to settle.
    if pgrep -x dockerd >/dev/null; then
        say "a dockerd runs but does not answer; waiting up to 60 s"
        wait_for_engine 120
    fi
    if ! docker info >/dev/null 2>&1; then
        if pgrep -x dockerd >/dev/null; then
            say "dockerd runs (pid $(pgrep -x dockerd | head -n 1)) and still does not answer"
            exit 1
        fi
        # No dockerd: a pid file left by one that did not exit cleanly
        # would stop the new one from starting.
        $sudo_cmd rm -f /var/run/docker.pid
        say "starting dockerd (log: /var/log/chaos-ci-dockerd.log)"
        $sudo_cmd sh -c 'nohup dockerd >/var/log/chaos-ci-dockerd.log 2>&1 &'
        wait_for_engine 240
    fi
    if ! docker info >/dev/null 2>&1; then
        say "the Docker Engine does not answer; last lines of its log:"
        tail -n 20 /var/log/chaos-ci-dockerd.log >&2 || true
        exit 1
    fi
}

ensure_compose() {
    command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
}

# The Debian mirror this machine's apt uses (deb822 .sources or one-line
# sources.list), so the root filesystem comes from where packages come from.
debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }')
    fi
    if [ -z "$uri" ]; then
        say "no Debian mirror found in /etc/apt/sources.list*"
        exit 1
    fi
    echo "$uri"
}

image_exists() {
    docker image inspect "$1" >/dev/null 2>&1
}

# A stand-in's import message, e.g. "chaos-engine CI stand-in lock=ab12...".
image_comment() {
    docker image inspect --format '{{.Comment}}' "$1" 2>/dev/null || true
}

workdir=""
cleanup() {
    if [ -n "$workdir" ]; then
        # Never leave a chroot's mounts behind, and never delete through them.
        for m in "$workdir"/rootfs/proc "$workdir"/rust/proc "$workdir"/swarmnode/proc; do
            mountpoint -q "$m" 2>/dev/null && $sudo_cmd umount "$m"
        done
        $sudo_cmd rm -rf "$workdir"
    fi
}
trap cleanup EXIT

debian_rootfs() {
    local rootfs="$workdir/rootfs"
    if [ ! -d "$rootfs" ]; then
        command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
        local mirror
        mirror=$(debian_mirror)
        say "debootstrap --variant=minbase bookworm (about 25 s)"
        $sudo_cmd debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1 || {
            tail -n 20 "$workdir/debootstrap.log" >&2
            exit 1
        }
        $sudo_cmd rm -rf "$rootfs"/var/cache/apt/archives/*.deb
    fi
    echo "$rootfs"
}

make_debian_image() {
    local rootfs
    rootfs=$(debian_rootfs)
    local lists="$workdir/apt-lists"
    # The slim image carries no package lists; keep them aside for the rust one.
    $sudo_cmd mkdir -p "$lists"
    $sudo_cmd cp -a "$rootfs"/var/lib/apt/lists/. "$lists"/
    $sudo_cmd find "$rootfs"/var/lib/apt/lists -type f -delete
    $sudo_cmd tar -C "$rootfs" -c . |
        docker import --message "$STAND_IN_MARK" --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
    $sudo_cmd cp -a "$lists"/. "$rootfs"/var/lib/apt/lists/
    say "made $DEBIAN_IMAGE"
}

make_rust_image() {
    local lock_hash="$1"
    local rootfs
    rootfs=$(debian_rootfs)
    local rust="$workdir/rust"
    $sudo_cmd cp -a "$rootfs" "$rust"

    say "gcc and libc6-dev in the chroot"
    $sudo_cmd mount -t proc proc "$rust/proc"
    $sudo_cmd chroot "$rust" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends gcc libc6-dev >"$workdir/chroot-apt.log" 2>&1 || {
        tail -n 20 "$workdir/chroot-apt.log" >&2
        exit 1
    }
    $sudo_cmd umount "$rust/proc"
    $sudo_cmd chroot "$rust" apt-get clean
    $sudo_cmd find "$rust"/var/lib/apt/lists -type f -delete

    say "this machine's Rust toolchain and cargo registry"
    local sysroot
    sysroot=$(rustc --print sysroot)
    $sudo_cmd mkdir -p "$rust/usr/local/rust" "$rust/usr/local/cargo/registry" "$rust/usr/local/cargo/bin"
    # The toolchain without its documentation (share/ is mostly HTML docs).
    for part in bin lib libexec; do
        [ -d "$sysroot/$part" ] && $sudo_cmd cp -a "$sysroot/$part" "$rust/usr/local/rust/"
    done
    # Every crate Cargo.lock names, then the registry's index and .crate files.
    cargo fetch --locked --quiet
    local cargo_home="${CARGO_HOME:-$HOME/.cargo}"
    $sudo_cmd cp -a "$cargo_home/registry/index" "$cargo_home/registry/cache" "$rust/usr/local/cargo/registry/"

    $sudo_cmd tar -C "$rust" -c . |
        docker import --message "$STAND_IN_MARK lock=$lock_hash" \
            --change 'ENV CARGO_HOME=/usr/local/cargo' \
            --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV CARGO_NET_OFFLINE=true' \
            --change 'CMD ["bash"]' \
            - "$RUST_IMAGE" >/dev/null
    say "made $RUST_IMAGE"
}

NETHELPER_IMAGE=chaos-engine-nethelper:local
NETHELPER_LABEL=io.chaos-engine.nethelper-dockerfile

# The network helper's recipe: its Dockerfile and what its build stage
# compiles chaos-delayer from (the workspace manifest, with the release
# profile, the lock and the crate's files, names included).
nethelper_recipe_hash() {
    {
        sha256sum docker/nethelper/Dockerfile Cargo.toml Cargo.lock
        find crates/chaos-delayer -type f -not -path '*/target/*' -print0 | sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-16
}

# The network helper image, made again when its recipe changed.
ensure_nethelper_image() {
    local hash
    hash=$(nethelper_recipe_hash)
    local built
    built=$(docker image inspect --format "{{ index .Config.Labels \"$NETHELPER_LABEL\" }}" \
        "$NETHELPER_IMAGE" 2>/dev/null || true)
    if [ "$built" = "$hash" ]; then
        say "$NETHELPER_IMAGE is present"
        return
    fi
    # Its build stage is FROM the rust image, its runtime FROM debian's.
    ensure_base_images
    say "building $NETHELPER_IMAGE (chaos-delayer in docker build, apt-get; about 2 min)"
    local log
    log=$(mktemp /var/tmp/chaos-nethelper-build.XXXXXX)
    if ! docker build --label "$NETHELPER_LABEL=$hash" -t "$NETHELPER_IMAGE" \
        -f docker/nethelper/Dockerfile . >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
    say "made $NETHELPER_IMAGE"
}

SWARMNODE_IMAGE=chaos-engine-swarmnode:local
SWARMNODE_MARK="chaos-engine swarm node"
SWARMNODE_SCRIPT=docker/swarmnode/chaos-swarm-node
# debootstrap adds what these depend on (containerd, runc, tini for docker.io).
# procps: pkill and ps, for the tests that kill the node's dockerd;
# ca-certificates: not needed by the tests' plain TCP, but dockerd's TLS
# options and registries (none here) want it.
SWARMNODE_PACKAGES=docker.io,iptables,iproute2,procps,ca-certificates

make_swarmnode_image() {
    local recipe="$1"
    local rootfs="$workdir/swarmnode"
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
    local mirror
    mirror=$(debian_mirror)
    say "debootstrap --variant=minbase --include=$SWARMNODE_PACKAGES bookworm (about 1 min)"
    $sudo_cmd debootstrap --variant=minbase --include="$SWARMNODE_PACKAGES" \
        bookworm "$rootfs" "$mirror" >"$workdir/debootstrap-swarmnode.log" 2>&1 || {
        tail -n 20 "$workdir/debootstrap-swarmnode.log" >&2
        exit 1
    }
    $sudo_cmd install -m 0755 "$SWARMNODE_SCRIPT" "$rootfs/usr/local/bin/chaos-swarm-node"
    # Nothing in the node installs packages: no archives, no lists.
    $sudo_cmd rm -rf "$rootfs"/var/cache/apt/archives/*.deb
    $sudo_cmd find "$rootfs"/var/lib/apt/lists -type f -delete
    $sudo_cmd tar -C "$rootfs" -c . |
        docker import --message "$SWARMNODE_MARK recipe=$recipe" \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'EXPOSE 2375' \
            --change 'CMD ["/usr/local/bin/chaos-swarm-node"]' \
            - "$SWARMNODE_IMAGE" >/dev/null
    say "made $SWARMNODE_IMAGE"
}

# The Swarm node image, made again when its recipe changed.
ensure_swarmnode_image() {
    local recipe
    recipe=$({
        echo "$SWARMNODE_PACKAGES"
        cat "$SWARMNODE_SCRIPT"
        declare -f make_swarmnode_image
    } | sha256sum | cut -c1-16)
    if [ "$(image_comment "$SWARMNODE_IMAGE")" = "$SWARMNODE_MARK recipe=$recipe" ]; then
        say "$SWARMNODE_IMAGE is present"
        return
    fi
    local previous
    previous=$(docker image inspect --format '{{.Id}}' "$SWARMNODE_IMAGE" 2>/dev/null || true)
    [ -n "$workdir" ] || workdir=$(mktemp -d /var/tmp/chaos-docker-bases.XXXXXX)
    make_swarmnode_image "$recipe"
    # The image of the previous recipe (400 MB), when it is left without a
    # name; kept while a container still uses it.
    if [ -n "$previous" ] &&
        [ "$(docker image inspect --format '{{len .RepoTags}}' "$previous" 2>/dev/null)" = 0 ]; then
        docker image rm "$previous" >/dev/null 2>&1 || true
    fi
}

# debian:bookworm-slim and rust:1-slim-bookworm (stand-ins when missing;
# the rust stand-in made again when its registry copy is for another lock).
ensure_base_images() {
    local lock_hash
    lock_hash=$(sha256sum Cargo.lock | cut -c1-16)
    local need_debian="" need_rust=""
    image_exists "$DEBIAN_IMAGE" || need_debian=1
    if ! image_exists "$RUST_IMAGE"; then
        need_rust=1
    else
        local comment
        comment=$(image_comment "$RUST_IMAGE")
        if [[ "$comment" == "$STAND_IN_MARK"* && "$comment" != *"lock=$lock_hash" ]]; then
            say "$RUST_IMAGE is a stand-in for another Cargo.lock; making it again"
            need_rust=1
        fi
    fi
    if [ -z "$need_debian$need_rust" ]; then
        say "$DEBIAN_IMAGE and $RUST_IMAGE are present"
    else
        workdir=$(mktemp -d /var/tmp/chaos-docker-bases.XXXXXX)
        [ -n "$need_debian" ] && make_debian_image
        [ -n "$need_rust" ] && make_rust_image "$lock_hash"
    fi
    return 0
}

main() {
    case "${1:-}" in
    nethelper)
        ensure_nethelper_image
        return
        ;;
    swarmnode)
        ensure_swarmnode_image
        return
        ;;
    esac
    ensure_docker_engine
    ensure_compose
    # The TLS tests give their second Docker daemon a bridge of its own
    # (tests/compose/tls_fixtures.rs).
    command -v ip >/dev/null 2>&1 || apt_install iproute2

    ensure_base_images
    ensure_nethelper_image
    ensure_swarmnode_image
}

main "$@"
