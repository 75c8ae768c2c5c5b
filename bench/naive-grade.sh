#!/usr/bin/env bash
# The naive baseline the benchmark compares lab-grader with: one submission after another, with the docker
# CLI only — build, run with a published port, poll the port with curl (up to 20 s, the lab's probeSeconds, and no
# longer than the container runs), read the size, remove. NAIVE_BUILDER picks the build: `buildx` is `docker buildx
# build --load` (BuildKit as a current `docker build` runs it; the plugin from bench/ensure-buildx.sh, through
# DOCKER_CONFIG), `api` a BuildKit build request sent with curl, else the classic builder's `docker build`.
# A submission whose build fails is not run.
# usage: naive-grade.sh OUT_TSV DIR...   (one TSV row per submission: id build_ms start_ms probe_ms inspect_ms total_ms bytes ok)
set -uo pipefail
out=$1
shift
ms() { date +%s%3N; }
printf 'id\tbuild_ms\tstart_ms\tprobe_ms\tinspect_ms\ttotal_ms\tbytes\tok\n' > "$out"
for dir in "$@"; do
  id=$(basename "$dir")
  tag="lab-grader-bench-naive/$(printf '%s' "$id" | tr -c 'a-z0-9' '-' | sed 's/^-*//; s/-*$//; s/--*/-/g'):latest"
  t0=$(ms)
  built=1
  case "${NAIVE_BUILDER:-classic}" in
    buildx) docker buildx build --load -q -t "$tag" "$dir" >/dev/null 2>&1 || built=0 ;;
    api)
      socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
      tar -C "$dir" -c . | curl -sf --unix-socket "${socket#unix://}" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary @- "http://localhost/build?version=2&t=$tag" >/dev/null || built=0
      docker image inspect "$tag" >/dev/null 2>&1 || built=0 ;;
    *) DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$dir" >/dev/null 2>&1 || built=0 ;;
  esac
  t1=$(ms)
  if [ "$built" = 0 ]; then
    printf '%s\t%d\t0\t0\t0\t%d\t0\t0\n' "$id" $((t1 - t0)) $((t1 - t0)) >> "$out"
    continue
  fi
  cid=$(docker run -d -p 127.0.0.1::5000 "$tag")
  port=$(docker port "$cid" 5000/tcp | head -n 1 | sed 's/.*://')
  t2=$(ms)
  ok=0
  for i in $(seq 1 100); do
    if [ -n "$port" ] && curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null | grep -q "Hello, Docker Multi-Stage Build!"; then ok=1; break; fi
    if [ $((i % 5)) = 0 ] && [ "$(docker inspect -f '{{.State.Running}}' "$cid")" != true ]; then break; fi
    sleep 0.2
  done
  t3=$(ms)
  bytes=$(docker image inspect -f '{{.Size}}' "$tag")
  t4=$(ms)
  docker rm -f "$cid" >/dev/null
  docker rmi -f "$tag" >/dev/null
  t5=$(ms)
  printf '%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\n' "$id" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t5 - t0)) "$bytes" "$ok" >> "$out"
done
