#!/usr/bin/env bash
# `make bench`: runs every benchmark under bench/<name>/run.sh; each prints its own table.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
benches=(bench/*/run.sh)
if [ ${#benches[@]} -eq 0 ]; then
  echo "bench: no benchmark exists yet (they come with the program issues)" >&2
  exit 1
fi
for bench in "${benches[@]}"; do
  echo "=== $bench"
  bash "$bench"
done
