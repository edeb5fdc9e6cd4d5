#!/usr/bin/env bash
# Scoring at show scale: Redis memory per customer, the show report's time
# and GetProfile under load, each beside the ceiling of the part under it.
#
#   CRM_BUILD_DIR=build tests/bench/scoring_scale.sh [CUSTOMERS] [EVENTS] [RATE]
#
# The stack comes up; its scoring is stopped; scoring_fill writes the
# resolved history of CUSTOMERS customers (EVENTS events) into the stack's
# redis-server under the prefix bench: (straight, not through the dev
# broker, whose partition logs are bounded); a crm-scoring over that prefix
# serves it. Then: the show report of the latest edition (crmctl), GetProfile
# at 2,000 calls/s, with 32 in flight and at RATE calls/s (crm-loadgen
# get-profile, which also measures the server's gRPC health check), and
# redis-benchmark GET of a value of the profile's mean size in the same
# redis-server (the ceiling of one lookup's Redis round trips).
set -euo pipefail
CUSTOMERS=${1:-500000}
EVENTS=${2:-$((CUSTOMERS * 5))}
RATE=${3:-10000}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:-$ROOT/build}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-bench-scale.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
SERVE_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
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
LAST=$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["editions"], key=lambda e: e["open_date"])[-1]["edition_id"])' "$CRM_RUN_DIR/sim/show.json")

"$CRM_BUILD_DIR/bench/scoring_fill" --redis "$CRM_REDIS_URL" --prefix bench: --show auto-expo --editions "$EDITIONS" \
  --customers "$CUSTOMERS" --events "$EVENTS" --seed 1 | tee "$CRM_RUN_DIR/fill.txt"

PORT=${CRM_REDIS_URL##*:}
PORT=${PORT%%/*}
# The fill grew the append-only file: let redis-server finish rewriting it
# (a fork and a full write) before anything is timed.
while redis-cli -p "$PORT" info persistence | grep -qE '^(aof_rewrite_in_progress|rdb_bgsave_in_progress):1'; do
  sleep 1
done

CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" CRM_SCORING_CONSUMER_GROUP=crm-scoring-bench \
  CRM_SCORING_REDIS_PREFIX=bench: "$BIN/crm-scoring" --config "$ROOT/deploy/local/config/scoring.yaml" \
  --endpoints-file "$CRM_RUN_DIR/bench.endpoints" >"$CRM_RUN_DIR/serve.log" 2>&1 &
SERVE_PID=$!
until [ -s "$CRM_RUN_DIR/bench.endpoints" ]; do sleep 0.1; done
addr=$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/bench.endpoints")

t0=$(date +%s.%N)
"$BIN/crmctl" show-report auto-expo "$LAST" --addr "$addr" >"$CRM_RUN_DIR/report.txt"
t1=$(date +%s.%N)
printf 'show report of auto-expo %s over %d customers: %.2f s\n' "$LAST" "$CUSTOMERS" "$(echo "$t1 - $t0" | bc -l)"

# A rate the service holds, with the closed loop (its highest rate) and the
# health check (gRPC alone) after it; then the target rate.
"$BIN/crm-loadgen" get-profile --addr "$addr" --show auto-expo --ids 20000 --rate 2000 --seconds 10 \
  --concurrency 32 --max-seconds 5
"$BIN/crm-loadgen" get-profile --addr "$addr" --show auto-expo --ids 20000 --rate "$RATE" --seconds 10 \
  --concurrency 0

SIZE=$(sed -n 's/.*MEMORY USAGE, \([0-9]*\) bytes value.*/\1/p' "$CRM_RUN_DIR/fill.txt")
echo "redis-benchmark, ${SIZE}-byte values, 100000 keys, 32 connections, one command per round trip (rps and ms):"
redis-benchmark -p "$PORT" -t set,get -d "$SIZE" -r 100000 -n 300000 -c 32 --csv
