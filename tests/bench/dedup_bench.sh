#!/usr/bin/env bash
# Dedup benchmarks, one run (figures go to docs/BENCHMARKS.md):
#  1. batch: a simulated series of ~1M person records (62,000 visitors, 2,500
#     exhibitors, 3 editions) through `crm-dedup batch`, scored with `eval`;
#  2. dedup_bench: comparisons per second per core, and the streaming path
#     with Redis but without the bus (slices; paced at 10k events/s);
#  3. end to end on the local stack: crm-loadgen dedup-stream at 10k events/s
#     (events produced to crm.events.v1, resolved events read back).
#   tests/bench/dedup_bench.sh        (after deploy/local/test.sh built everything)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:-$ROOT/build}"
BIN="$CRM_BUILD_DIR/bin"
WORK="$(mktemp -d /tmp/crm-dedup-bench.XXXXXX)"
export CRM_RUN_DIR="$WORK/run"
trap '"$ROOT/deploy/local/stack.sh" down >/dev/null 2>&1; rm -rf "$WORK"' EXIT

echo "== batch: ~1M simulated records =="
"$BIN/crm-simulate" --out-dir "$WORK/sim" --visitors 62000 --exhibitors 2500 --editions 3 2>/dev/null
echo "records: $(($(wc -l <"$WORK/sim/dedup_records.csv") - 1))"
/usr/bin/time -f "crm-dedup batch: wall %e s, max RSS %M KB, user %U s, sys %S s" \
  "$BIN/crm-dedup" batch --input "$WORK/sim/dedup_records.csv" --schema "$WORK/sim/dedup_schema.yaml" \
  --output "$WORK/clusters.csv" --quiet 2>&1 | grep -v "oversized block"
"$BIN/crm-dedup" eval --clusters "$WORK/clusters.csv" --truth "$WORK/sim/dedup_truth.csv"
rm -rf "$WORK/sim" "$WORK/clusters.csv"

echo "== dedup_bench (Redis, no bus) =="
"$CRM_BUILD_DIR/bench/dedup_bench" 2>/dev/null | grep -E "^BM_|ResolveSlices|PacedResolve|redis-server|phase_seconds"

echo "== end to end on the local stack, 10k events/s offered for 15 s =="
"$ROOT/deploy/local/stack.sh" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
"$BIN/crm-loadgen" dedup-stream --brokers "$CRM_KAFKA_BROKERS" --seconds 15 --rate 10000 2>/dev/null || true
curl -s "http://$CRM_DEDUP_METRICS/metrics" | grep -E "^crm_dedup_(batch_seconds|slice_seconds)_(sum|count)"
