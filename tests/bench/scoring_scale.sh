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
source "$ROOT/tests/bench/scoring_bench_lib.sh"

"$CRM_BUILD_DIR/bench/scoring_fill" --redis "$CRM_REDIS_URL" --prefix bench: --show auto-expo --editions "$EDITIONS" \
  --customers "$CUSTOMERS" --events "$EVENTS" --seed 1 | tee "$CRM_RUN_DIR/fill.txt"

PORT=${CRM_REDIS_URL##*:}
PORT=${PORT%%/*}
# The fill grew the append-only file: let redis-server finish rewriting it
# (a fork and a full write) before anything is timed.
while redis-cli -p "$PORT" info persistence | grep -qE '^(aof_rewrite_in_progress|rdb_bgsave_in_progress):1'; do
  sleep 1
done

scoring_bench_serve

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
