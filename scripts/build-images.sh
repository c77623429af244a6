#!/usr/bin/env bash
# Builds the webvps images: the base image if missing, the builder (compiles every program
# once), then webvps/proxy, webvps/sshd, webvps/mailer, webvps/phpserver and webvps/admin from
# it, and webvps/mariadb (the lamp variant's database, Debian's MariaDB).
#   scripts/build-images.sh [NAME...]    default: all of them
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
# Builds one image; the build's output is shown only when it fails.
build() {
  local tag=$1
  shift
  local begin=$(date +%s)
  if ! docker build "$@" -t "$tag" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "build-images: building $tag failed (output above)" >&2
    exit 1
  fi
  echo "build-images: $tag ($(( $(date +%s) - begin )) s)"
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
