#!/usr/bin/env bash
# Scoring throughput from a pre-filled crm.resolved.v1, beside the dev
# broker's consume rate of the same records measured in the same run.
#
#   CRM_BUILD_DIR=build tests/bench/scoring_throughput.sh [EVENTS] [CUSTOMERS]
#   CRM_BENCH_PERF=/tmp/scoring.perf ...   also records a perf profile of crm-scoring
#
# The stack comes up; its own scoring is stopped; crm-loadgen resolved fills
# crm.resolved.v1; kcat reads the topic to its end (the broker's ceiling);
# then one crm-scoring in a fresh group consumes it all, timed until the
# group's lag is 0 (crmctl show-report --brokers waits for that).
set -euo pipefail
EVENTS=${1:-200000}
CUSTOMERS=${2:-20000}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tests/bench/scoring_bench_lib.sh"
"$BIN/crm-loadgen" resolved --brokers "$CRM_KAFKA_BROKERS" --show auto-expo --editions "$EDITIONS" \
  --events "$EVENTS" --customers "$CUSTOMERS" --seed 1 >/dev/null

t0=$(date +%s.%N)
n=$(kcat -C -b "$CRM_KAFKA_BROKERS" -t crm.resolved.v1 -o beginning -e -q -f '%o\n' 2>/dev/null | wc -l)
t1=$(date +%s.%N)
printf 'dev broker consume (kcat, %d records): %.2f s, %.0f records/s\n' "$n" "$(echo "$t1 - $t0" | bc -l)" \
  "$(echo "$n / ($t1 - $t0)" | bc -l)"

t0=$(date +%s.%N)
scoring_bench_serve ${CRM_BENCH_PERF:+perf record -F 499 -g -o "$CRM_BENCH_PERF" --}
"$BIN/crmctl" show-report auto-expo 2026 --addr "$addr" --brokers "$CRM_KAFKA_BROKERS" --group crm-scoring-bench \
  --wait-timeout 1200s >/dev/null 2>&1
t1=$(date +%s.%N)
printf 'crm-scoring (start to lag 0, %d events, %d customers): %.2f s, %.0f events/s\n' "$EVENTS" "$CUSTOMERS" \
  "$(echo "$t1 - $t0" | bc -l)" "$(echo "$EVENTS / ($t1 - $t0)" | bc -l)"
t0=$(date +%s.%N)
"$BIN/crmctl" show-report auto-expo 2026 --addr "$addr" >/dev/null
t1=$(date +%s.%N)
printf 'show report over %d customers: %.2f s\n' "$CUSTOMERS" "$(echo "$t1 - $t0" | bc -l)"
