#!/usr/bin/env bash
# Builds the webvps images: the base image if missing, the builder (compiles every program
# once), then webvps/proxy, webvps/sshd, webvps/mailer, webvps/phpserver and webvps/admin from
# it, and webvps/mariadb (the lamp variant's database, Debian's MariaDB).
#   scripts/build-images.sh [NAME...]    default: all of them
# It shows its progress: each build step as it starts and the time it took, and the compile's own
# [n/N] lines. WEBVPS_QUIET=1 prints one line per image instead (the build's output only when it
# fails), as `make test` does for CI logs.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v docker >/dev/null || { echo "build-images: docker is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build-images: the Docker engine is not reachable (is dockerd running?)" >&2; exit 1; }

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(proxy sshd mailer phpserver admin mariadb)

# The legacy builder resolves a local-only base image without a registry; BuildKit (when
# installed) does too with the docker driver. Either works; keep output quiet in CI.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}
revision=$(git describe --always --dirty --tags 2>/dev/null || echo unknown)

log=$(mktemp /tmp/webvps-build.XXXXXX)
trap 'rm -f "$log"' EXIT

# Seconds since $1 (an $EPOCHREALTIME), to a tenth.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Reads `docker build` output (the legacy builder's "Step i/n : ..." or BuildKit's plain
# "#5 [2/4] ..."): prints each step as it starts, the time a step took once it ends (when it took
# five seconds or more), and the compile's ninja lines "[n/N] Building CXX object ...".
progress() {
  local tag=$1 line step="" began=$EPOCHREALTIME
  end_step() {
    [ -n "$step" ] || return 0
    local took
    took=$(since "$began")
    [ "${took%.*}" -ge 5 ] && echo "build-images: $tag   ${step%% *} took $took s"
    return 0
  }
  while IFS= read -r line; do
    if [[ $line =~ ^Step\ ([0-9]+/[0-9]+)\ :\ (.*)$ ]] || [[ $line =~ ^#[0-9]+\ \[([^]]+)\]\ (.*)$ ]]; then
      end_step
      step="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
      began=$EPOCHREALTIME
      echo "build-images: $tag   ${step:0:110}"
    elif [[ $line =~ (\[[0-9]+/[0-9]+\]\ .*)$ ]]; then
      echo "build-images: $tag     ${BASH_REMATCH[1]:0:110}"
    fi
  done
  end_step
}

# Builds one image; the build's whole output is shown only when it fails.
build() {
  local tag=$1
  shift
  local begin=$EPOCHREALTIME status
  [ "${WEBVPS_QUIET:-0}" = 1 ] || echo "build-images: $tag"
  set +e
  if [ "${WEBVPS_QUIET:-0}" = 1 ]; then
    docker build "$@" -t "$tag" >"$log" 2>&1
    status=$?
  else
    docker build "$@" -t "$tag" 2>&1 | tee "$log" | progress "$tag"
    status=${PIPESTATUS[0]}
  fi
  set -e
  if [ "$status" != 0 ]; then
    tail -n 60 "$log" >&2
    echo "build-images: building $tag failed (output above)" >&2
    exit 1
  fi
  echo "build-images: $tag built in $(since "$begin") s"
}

scripts/build-base-image.sh
started=$(date +%s)
build webvps/builder:latest -f images/builder/Dockerfile --build-arg WEBVPS_REVISION="$revision" .
for name in "${names[@]}"; do
  [ -f "images/$name/Dockerfile" ] || { echo "build-images: no images/$name/Dockerfile" >&2; exit 1; }
  build "webvps/$name:latest" -f "images/$name/Dockerfile" "images/$name"
done
# Rebuilding the builder leaves its previous image untagged: drop those, not anyone else's.
docker image prune -f --filter label=org.webvps.role=builder >/dev/null
echo "build-images: done in $(( $(date +%s) - started )) s"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep '^webvps/' | sort
