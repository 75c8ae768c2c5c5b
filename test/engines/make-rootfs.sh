#!/usr/bin/env bash
# Makes a Debian unstable root filesystem holding a current docker.io (28.x), containerd and podman (5.x), once.
# The engines run from it in their own namespaces (start-engine.sh): installing unstable's packages on the host
# itself would pull a newer libc. Usage: make-rootfs.sh DIR
set -euo pipefail
R=$1
[ -x "$R/usr/sbin/dockerd" ] && [ -x "$R/usr/bin/podman" ] && [ -x "$R/usr/bin/tini" ] && [ -f "$R/.lab-grader-complete" ] && exit 0
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
rm -rf "$R" "$R.partial"
MIRROR=${LAB_GRADER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debootstrap --variant=minbase --include=docker.io,containerd,runc,iptables,ca-certificates,procps,tini sid "$R.partial" "$MIRROR"
cp /etc/resolv.conf "$R.partial/etc/resolv.conf"
mount -t proc proc "$R.partial/proc"
trap 'umount "$R.partial/proc" 2>/dev/null || true' EXIT
# The archive's unstable Release file can be past its Valid-Until date.
chroot "$R.partial" bash -c 'apt-get -o Acquire::Check-Valid-Until=false update -qq &&
  DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends \
    podman crun fuse-overlayfs netavark aardvark-dns uidmap'
umount "$R.partial/proc"
trap - EXIT
rm -f "$R.partial/etc/resolv.conf"
touch "$R.partial/.lab-grader-complete"
mv "$R.partial" "$R"
