#!/usr/bin/env bash
# Makes Debian unstable's docker-buildx CLI plugin available to the docker CLI, for the naive loop: a
# `docker build` with BuildKit as users run it today. The plugin comes from the matrix's Debian unstable root
# (test/engines/make-rootfs.sh; installed there with apt when missing) and is put in CONFIG_DIR/cli-plugins, for
# DOCKER_CONFIG=CONFIG_DIR. Usage: ensure-buildx.sh ROOTFS CONFIG_DIR
set -euo pipefail
R=$1; CONFIG=$2
PLUGIN=usr/libexec/docker/cli-plugins/docker-buildx
if [ ! -x "$R/$PLUGIN" ]; then
  cp /etc/resolv.conf "$R/etc/resolv.conf"
  mount -t proc proc "$R/proc"
  trap 'umount "$R/proc" 2>/dev/null || true; rm -f "$R/etc/resolv.conf"' EXIT
  chroot "$R" bash -c 'apt-get -o Acquire::Check-Valid-Until=false update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends docker-buildx' >/dev/null
fi
mkdir -p "$CONFIG/cli-plugins"
cp "$R/$PLUGIN" "$CONFIG/cli-plugins/docker-buildx"
DOCKER_CONFIG=$CONFIG docker buildx version
