# Sourced by the scoring benchmarks: the local stack in a run directory of
# its own with its scoring stopped (the benchmark starts the crm-scoring it
# times), the simulator's auto-expo series registered, and
#   EDITIONS  "ID=YYYY-MM-DD,..." of the series (for crm-loadgen / scoring_fill)
#   LAST      the latest edition's id
#   SERVE_PID set by the caller to the crm-scoring it starts (stopped on exit)
# Needs ROOT; sets CRM_BUILD_DIR, CRM_RUN_DIR, BIN and STACK.
export CRM_BUILD_DIR="${CRM_BUILD_DIR:-$ROOT/build}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-bench-scoring.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
SERVE_PID=""
scoring_bench_cleanup() {
  [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  "$STACK" down >/dev/null 2>&1 || true
  rm -rf "$CRM_RUN_DIR"
}
trap scoring_bench_cleanup EXIT
"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
kill -TERM "$(cat "$CRM_RUN_DIR/pids/scoring.pid")"
"$BIN/crm-simulate" --out-dir "$CRM_RUN_DIR/sim" --visitors 10 --exhibitors 2 --seed 1 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$CRM_RUN_DIR/sim/show.json" >/dev/null
EDITIONS=$(python3 -c 'import json,sys; print(",".join(e["edition_id"] + "=" + e["open_date"] for e in json.load(open(sys.argv[1]))["editions"]))' "$CRM_RUN_DIR/sim/show.json")
LAST=$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["editions"], key=lambda e: e["open_date"])[-1]["edition_id"])' "$CRM_RUN_DIR/sim/show.json")

# Starts a crm-scoring over the key prefix bench: in group crm-scoring-bench
# (extra arguments before it, e.g. perf), sets SERVE_PID and addr (its gRPC).
scoring_bench_serve() {
  rm -f "$CRM_RUN_DIR/bench.endpoints"
  CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" CRM_SCORING_CONSUMER_GROUP=crm-scoring-bench \
    CRM_SCORING_REDIS_PREFIX=bench: "$@" "$BIN/crm-scoring" --config "$ROOT/deploy/local/config/scoring.yaml" \
    --endpoints-file "$CRM_RUN_DIR/bench.endpoints" >"$CRM_RUN_DIR/bench.log" 2>&1 &
  SERVE_PID=$!
  until [ -s "$CRM_RUN_DIR/bench.endpoints" ]; do sleep 0.1; done
  addr=$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/bench.endpoints")
}
