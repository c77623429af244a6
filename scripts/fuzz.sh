#!/usr/bin/env bash
# `make fuzz`: builds the harnesses of fuzz/ with clang from Debian (libFuzzer, ASan, UBSan,
# libstdc++ assertions) in build-fuzz/, then runs each for FUZZ_SECONDS (default 60), two at a
# time, on its corpus: the seeds in fuzz/corpus/<harness>/ plus what earlier runs found, kept in
# build-fuzz/corpus/<harness>/. Any crash, leak, sanitizer report, timeout or oracle finding fails
# the run and leaves its reproducer in build-fuzz/findings/<harness>/ (replay it with
# build-fuzz/fuzz/<harness> <file>). Prints executions and edges reached per harness.
#   scripts/fuzz.sh                  every harness, FUZZ_SECONDS each
#   scripts/fuzz.sh elf_fuzz ...     only these
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-60}
parallel=${FUZZ_JOBS:-2}
build=$root/build-fuzz
all=(registry_fuzz config_fuzz mailer_records_fuzz mailer_smtp_fuzz proxy_docker_fuzz proxy_render_fuzz authorized_keys_fuzz elf_fuzz)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is missing (scripts/install-deps.sh installs clang and libclang-rt-14-dev)"
  exit 1
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWEBVPS_FUZZ=ON -DWEBVPS_TESTS=OFF -DWEBVPS_BENCH=OFF >/dev/null || { echo "fuzz: cmake failed"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]}" >"$build/build.log" 2>&1 || {
  tail -40 "$build/build.log"; echo "fuzz: the build failed"; exit 1; }

run_one() {
  local name=$1 corpus=$build/corpus/$1 findings=$build/findings/$1 log=$build/logs/$1.log
  mkdir -p "$corpus" "$findings" "$build/logs"
  rm -f "$build/logs/$name.status"
  # -timeout: one input taking 10 s is a finding (a hang); -rss_limit_mb: so is 2 GB of memory.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$root/fuzz/corpus/$name" >"$log" 2>&1
  echo $? >"$build/logs/$name.status"
}

echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each, ${parallel} at a time"
running=0
for name in "${harnesses[@]}"; do
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=()
printf '%-24s %12s %8s %8s  %s\n' harness executions edges corpus result
for name in "${harnesses[@]}"; do
  log=$build/logs/$name.log
  status=$(cat "$build/logs/$name.status" 2>/dev/null || echo 1)
  executions=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  edges=$(grep -oE '(INITED|DONE|NEW|REDUCE|pulse) +cov: [0-9]+' "$log" | awk '{print $3}' | sort -n | tail -1)
  files=$(find "$build/corpus/$name" -type f | wc -l)
  if [ "$status" = 0 ]; then
    result=ok
  else
    result="FAILED (exit $status): $(ls -t "$build/findings/$name" 2>/dev/null | head -1 | sed "s|^|build-fuzz/findings/$name/|")"
    failed+=("$name")
  fi
  printf '%-24s %12s %8s %8s  %s\n' "$name" "${executions:-?}" "${edges:-?}" "$files" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  for name in "${failed[@]}"; do
    echo
    echo "=== $name: the end of build-fuzz/logs/$name.log"
    grep -v '^#[0-9]' "$build/logs/$name.log" | tail -30
  done
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
echo "fuzz: no findings"
