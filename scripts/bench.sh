#!/usr/bin/env bash
# `make bench`: runs every benchmark under bench/<name>/run.sh (each prints its table and leaves
# its figures in build/bench-results/), then writes the report docs/benchmarks.md with its
# plots. The images must exist (`make images`). A benchmark that fails is reported and the
# others still run; the exit status says whether all of them ran.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
failed=()
for bench in bench/*/run.sh; do
  name=$(basename "$(dirname "$bench")")
  echo
  echo "=== $name"
  started=$(date +%s)
  if ! bash "$bench"; then
    failed+=("$name")
    echo "*** benchmark $name failed"
  fi
  echo "($name: $(( $(date +%s) - started )) s)"
done
echo
/usr/bin/python3 bench/report.py || failed+=(report)
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
