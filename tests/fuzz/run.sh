#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (own build dir, sanitizers on) and
# fuzzes each for a bounded time. Non-zero on any crash or sanitizer report.
#   tests/fuzz/run.sh [SECONDS]   (default 60; CRM_FUZZ_SECONDS also works)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECONDS_TO_RUN="${1:-${CRM_FUZZ_SECONDS:-60}}"
BUILD="${CRM_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCRM_FUZZ_ONLY=ON -DCRM_BUILD_TESTS=OFF -DCRM_BUILD_BENCHMARKS=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address" >/dev/null
fi
cmake --build "$BUILD" -j2 --target raw_decoder_fuzz >"$BUILD/fuzz-build.log" 2>&1 || {
  tail -30 "$BUILD/fuzz-build.log" >&2
  exit 1
}
corpus="$BUILD/corpus/raw_decoder"
mkdir -p "$corpus"
echo "fuzzing raw_decoder for ${SECONDS_TO_RUN}s"
# Leak checking is off: ICU and protobuf keep process-lifetime singletons.
ASAN_OPTIONS=detect_leaks=0 "$BUILD/tests/fuzz/raw_decoder_fuzz" -max_total_time="$SECONDS_TO_RUN" \
  -max_len=8192 -timeout=10 -print_final_stats=1 "$corpus" "$ROOT/tests/fuzz/corpus/raw_decoder" 2>&1 |
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==|SUMMARY|artifact)" || true
test "${PIPESTATUS[0]}" -eq 0
echo "fuzz: no crash"
