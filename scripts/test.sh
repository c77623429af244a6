#!/usr/bin/env bash
# `make test`: dependencies, build (warnings as errors), unit tests, the same unit tests under
# ASan+UBSan, the images, then the integration and end-to-end tests against the real Docker
# engine. Every stage runs even when an earlier one failed (except where it cannot), and the
# run ends with the totals over all of them; the exit status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results=$root/build/test-results
rm -rf "$results"
mkdir -p "$results"
failed_stages=()
jobs=$(nproc)

stage() { echo; echo "=== $*"; }
fail() { failed_stages+=("$1"); echo "*** stage failed: $1"; }

stage "dependencies"
scripts/install-deps.sh || { echo "cannot install dependencies"; exit 1; }

stage "build (warnings are errors)"
if cmake -S . -B build -G Ninja -DWEBVPS_WERROR=ON >/dev/null && cmake --build build -j "$jobs"; then
  stage "unit tests"
  (cd build && ctest -j "$jobs" --output-on-failure --output-junit "$results/unit.xml") || fail "unit tests"
else
  fail "build"
fi

stage "build with AddressSanitizer + UndefinedBehaviorSanitizer"
if cmake -S . -B build-asan -G Ninja -DWEBVPS_WERROR=ON -DWEBVPS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
   cmake --build build-asan -j "$jobs"; then
  stage "unit tests under sanitizers"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest -j "$jobs" --output-on-failure --output-junit "$results/unit-asan.xml") || fail "unit tests under sanitizers"
else
  fail "sanitizer build"
fi

stage "fuzzing: every parser's harness for ${FUZZ_SECONDS:-10} s on its corpus (make fuzz runs longer)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh || fail "fuzzing"

stage "images"
if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  echo "Docker is missing or its engine is not running: the integration and end-to-end tests cannot run."
  fail "docker"
elif scripts/build-images.sh; then
  stage "integration and end-to-end tests (Docker)"
  # Debian's python3, which has python3-pytest, whatever other python3 comes first on PATH.
  /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$results/e2e.xml" tests/e2e || fail "integration tests"
else
  fail "images"
fi

stage "totals"
/usr/bin/python3 scripts/test-totals.py "$results"/*.xml
totals_status=$?
if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
  exit 1
fi
exit $totals_status
