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
export CRM_BUILD_DIR="${CRM_BUILD_DIR:-$ROOT/build}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-bench-scoring.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
BENCH_PID=""
cleanup() {
  [ -n "$BENCH_PID" ] && kill -TERM "$BENCH_PID" 2>/dev/null && wait "$BENCH_PID" 2>/dev/null || true
  "$STACK" down >/dev/null 2>&1 || true
  rm -rf "$CRM_RUN_DIR"
}
trap cleanup EXIT
"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
kill -TERM "$(cat "$CRM_RUN_DIR/pids/scoring.pid")"
"$BIN/crm-simulate" --out-dir "$CRM_RUN_DIR/sim" --visitors 10 --exhibitors 2 --seed 1 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$CRM_RUN_DIR/sim/show.json" >/dev/null
EDITIONS=$(python3 -c 'import json,sys; print(",".join(e["edition_id"] + "=" + e["open_date"] for e in json.load(open(sys.argv[1]))["editions"]))' "$CRM_RUN_DIR/sim/show.json")
"$BIN/crm-loadgen" resolved --brokers "$CRM_KAFKA_BROKERS" --show auto-expo --editions "$EDITIONS" \
  --events "$EVENTS" --customers "$CUSTOMERS" --seed 1 >/dev/null

t0=$(date +%s.%N)
n=$(kcat -C -b "$CRM_KAFKA_BROKERS" -t crm.resolved.v1 -o beginning -e -q -f '%o\n' 2>/dev/null | wc -l)
t1=$(date +%s.%N)
printf 'dev broker consume (kcat, %d records): %.2f s, %.0f records/s\n' "$n" "$(echo "$t1 - $t0" | bc -l)" \
  "$(echo "$n / ($t1 - $t0)" | bc -l)"

t0=$(date +%s.%N)
CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" CRM_SCORING_CONSUMER_GROUP=crm-scoring-bench \
  CRM_SCORING_REDIS_PREFIX=bench: ${CRM_BENCH_PERF:+perf record -F 499 -g -o "$CRM_BENCH_PERF" --} \
  "$BIN/crm-scoring" --config "$ROOT/deploy/local/config/scoring.yaml" \
  --endpoints-file "$CRM_RUN_DIR/bench.endpoints" >"$CRM_RUN_DIR/bench.log" 2>&1 &
BENCH_PID=$!
until [ -s "$CRM_RUN_DIR/bench.endpoints" ]; do sleep 0.1; done
addr=$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/bench.endpoints")
"$BIN/crmctl" show-report auto-expo 2026 --addr "$addr" --brokers "$CRM_KAFKA_BROKERS" --group crm-scoring-bench \
  --wait-timeout 1200s >/dev/null 2>&1
t1=$(date +%s.%N)
printf 'crm-scoring (start to lag 0, %d events, %d customers): %.2f s, %.0f events/s\n' "$EVENTS" "$CUSTOMERS" \
  "$(echo "$t1 - $t0" | bc -l)" "$(echo "$EVENTS / ($t1 - $t0)" | bc -l)"
t0=$(date +%s.%N)
"$BIN/crmctl" show-report auto-expo 2026 --addr "$addr" >/dev/null
t1=$(date +%s.%N)
printf 'show report over %d customers: %.2f s\n' "$CUSTOMERS" "$(echo "$t1 - $t0" | bc -l)"
