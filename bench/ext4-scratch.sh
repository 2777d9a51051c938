#!/usr/bin/env bash
# Mounts a scratch ext4 file system (with its journal, as mkfs.ext4 makes
# it) on a loop device, for `cargo bench --bench scale -- --dir MOUNTPOINT`:
# the state files then live on a journalled ext4 whatever the root file
# system is. Needs root. `--remove` unmounts it and deletes the image.
# Usage: bench/ext4-scratch.sh [MOUNTPOINT] [--remove]   (default /mnt/chaos-ext4)
set -euo pipefail
mountpoint=${1:-/mnt/chaos-ext4}
image=/var/tmp/chaos-ext4-scratch.img

if [ "${2:-}" = "--remove" ]; then
    umount "$mountpoint" 2>/dev/null || true
    rm -f "$image"
    echo "removed $mountpoint and $image"
    exit 0
fi
if mountpoint -q "$mountpoint"; then
    echo "$mountpoint is already mounted"
    exit 0
fi
truncate -s 2G "$image"
mkfs.ext4 -q -F "$image"
mkdir -p "$mountpoint"
mount -o loop "$image" "$mountpoint"
echo "mounted $image on $mountpoint ($(findmnt -no FSTYPE,OPTIONS "$mountpoint"))"
