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
not_run=()
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
elif WEBVPS_QUIET=1 scripts/build-images.sh; then
  stage "integration and end-to-end tests (Docker, Compose 1.29)"
  # Debian's python3, which has python3-pytest, whatever other python3 comes first on PATH.
  WEBVPS_COMPOSE=v1 /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$results/e2e.xml" \
    --ignore=tests/e2e/test_compose_versions.py tests/e2e || fail "integration tests"

  # The stack again under Compose v2, and a host moved from 1.29 to v2 and back. v2 is built
  # from the Go module proxy once per machine (scripts/install-compose-v2.sh); without Go it is
  # reported below as not run.
  stage "Compose v2"
  WEBVPS_QUIET=1 scripts/install-compose-v2.sh
  case $? in
    0)
      stage "end-to-end tests under Compose v2, and 1.29 -> v2 -> 1.29"
      WEBVPS_COMPOSE=v2 /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$results/e2e-compose-v2.xml" \
        tests/e2e/test_stack.py tests/e2e/test_compose_versions.py || fail "tests under Compose v2"
      ;;
    3) not_run+=("tests/e2e/test_stack.py under Compose v2 and tests/e2e/test_compose_versions.py: Go is not installed, so Compose v2 cannot be built (scripts/install-compose-v2.sh)") ;;
    *) fail "Compose v2 build" ;;
  esac
else
  fail "images"
fi

stage "totals"
/usr/bin/python3 scripts/test-totals.py "$results"/*.xml
totals_status=$?
for line in "${not_run[@]}"; do
  echo "not run: $line"
done
if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
  exit 1
fi
exit $totals_status
