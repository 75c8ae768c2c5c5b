#!/usr/bin/env bash
# Runs one engine of the test matrix in its own network, mount and pid namespaces (privileged containers cannot
# start on these machines, so Docker-in-Docker is not an option), sharing nothing with the host's engine but the
# kernel. Its API socket is STATE/sock/docker.sock; everything it stores is under STATE/data. The engine runs
# until this script's process is killed: the namespace's first process then dies and takes every process of the
# namespace with it.
# With DATA_DISK_MB set, STATE/data is a filesystem of that size of its own (an ext4 image, STATE/data.img,
# loop-mounted in the engine's mount namespace only), so that what the engine stores cannot fill this machine's disk.
# Docker also listens on tcp://127.0.0.1:2375 in its network namespace, without TLS, as GitLab's docker:dind
# service does (DOCKER_TLS_CERTDIR=""): a "remote" engine for a grader in that namespace (the namespace has no other
# address, so nothing outside it reaches the port). With TLS_DIR set (a folder holding ca.pem, server-cert.pem and
# server-key.pem), it listens on tcp://127.0.0.1:2376 instead and accepts only clients with a certificate that CA signed.
# Usage: [DATA_DISK_MB=N] [TLS_DIR=DIR] start-engine.sh ROOTFS STATE MODE   (MODE: overlay2 | containerd | podman)
set -euo pipefail
R=$1; S=$2; MODE=$3
DISK=${DATA_DISK_MB:-}
case $MODE in
  overlay2) CONFIG='{"features":{"containerd-snapshotter":false}}' ;;
  containerd) CONFIG='{"features":{"containerd-snapshotter":true}}' ;;
  podman) CONFIG= ;;
  *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
mkdir -p "$S/sock" "$S/data"
if [ -n "$DISK" ]; then
  if [ ! -f "$S/data.img" ] || [ "$(stat -c %s "$S/data.img")" != $((DISK * 1024 * 1024)) ]; then
    rm -f "$S/data.img"
    truncate -s "${DISK}M" "$S/data.img"
    mkfs.ext4 -q -F -m 0 "$S/data.img"
  fi
else
  mkdir -p "$S/data/docker" "$S/data/containerd" "$S/data/containers"
fi
mkdir -p "$R/lab-grader-sock" "$R/etc/docker" "$R/var/lib/docker" "$R/var/lib/containerd" "$R/var/lib/containers"
rm -f "$S/sock/docker.sock"
rm -rf "$S/sock/tls"
LISTEN="-H tcp://127.0.0.1:2375"
if [ -n "${TLS_DIR:-}" ]; then
  mkdir -p "$S/sock/tls"
  cp "$TLS_DIR/ca.pem" "$TLS_DIR/server-cert.pem" "$TLS_DIR/server-key.pem" "$S/sock/tls/"
  LISTEN="-H tcp://127.0.0.1:2376 --tlsverify --tlscacert /lab-grader-sock/tls/ca.pem --tlscert /lab-grader-sock/tls/server-cert.pem --tlskey /lab-grader-sock/tls/server-key.pem"
fi
exec unshare --net --mount --pid --fork --kill-child bash -c '
  set -e
  R=$1; S=$2; MODE=$3; CONFIG=$4; DISK=$5; LISTEN=$6
  mount --make-rprivate /
  if [ -n "$DISK" ]; then
    # The loop device is detached when this namespace, the only holder of the mount, ends.
    mount -o loop "$S/data.img" "$S/data"
    mkdir -p "$S/data/docker" "$S/data/containerd" "$S/data/containers"
  fi
  # runc remounts the root read-only-ish; it must be a mount point of its own.
  mount --bind "$R" "$R"
  mount -t proc proc "$R/proc"
  mount --rbind /sys "$R/sys"
  mount --rbind /dev "$R/dev"
  mount -t tmpfs tmpfs "$R/run"
  mount -t tmpfs tmpfs "$R/tmp"
  mount -t tmpfs tmpfs "$R/etc/docker"
  mount --bind "$S/sock" "$R/lab-grader-sock"
  mount --bind "$S/data/docker" "$R/var/lib/docker"
  mount --bind "$S/data/containerd" "$R/var/lib/containerd"
  mount --bind "$S/data/containers" "$R/var/lib/containers"
  ip link set lo up
  if [ "$MODE" = podman ]; then
    exec chroot "$R" tini -- podman system service --time=0 unix:///lab-grader-sock/docker.sock
  fi
  echo "$CONFIG" > "$R/etc/docker/daemon.json"
  # tini, as the first process of the namespace, reaps what the engine orphans (containerd shims) and passes SIGTERM on.
  exec chroot "$R" tini -- dockerd -H unix:///lab-grader-sock/docker.sock $LISTEN --pidfile /run/docker.pid --cgroup-parent "/lab-grader-$MODE"
' start-engine "$R" "$S" "$MODE" "$CONFIG" "$DISK" "$LISTEN"
