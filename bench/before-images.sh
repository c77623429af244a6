#!/usr/bin/env bash
# The images of webvps before the tenant-isolation redesign (issue 13), for the benchmarks that
# show a figure before and after in the same run: built once from the git commit BEFORE_REV
# (default: the last one before the redesign) and kept as webvps-bench/<name>-before.
#   bench/before-images.sh phpserver sshd
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${BEFORE_REV:-97c0367}
wanted=()
for name in "$@"; do
  docker image inspect "webvps-bench/$name-before" >/dev/null 2>&1 || wanted+=("$name")
done
[ ${#wanted[@]} -gt 0 ] || exit 0
git cat-file -e "$rev^{commit}" 2>/dev/null || { echo "before-images: commit $rev is not in this clone's history" >&2; exit 1; }
work=$(mktemp -d /tmp/webvps-before.XXXXXX)
trap 'rm -rf "$work"' EXIT
git archive "$rev" | tar -x -C "$work"
export DOCKER_BUILDKIT=0
echo "before-images: building the images of $rev (${wanted[*]}), once"
if ! docker image inspect webvps-bench/builder-before >/dev/null 2>&1; then
  docker build -q -t webvps-bench/builder-before -f "$work/images/builder/Dockerfile" "$work" >/dev/null
fi
for name in "${wanted[@]}"; do
  docker build -q --build-arg BUILDER_IMAGE=webvps-bench/builder-before -t "webvps-bench/$name-before" \
    -f "$work/images/$name/Dockerfile" "$work/images/$name" >/dev/null
  echo "before-images: webvps-bench/$name-before"
done
