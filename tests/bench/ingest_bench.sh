#!/usr/bin/env bash
# Ingest throughput and latency, with the bus ceiling measured in the same
# run for the ratio. Starts its own stack (dev broker + redis + ingest) in a
# temporary run directory and stops it at the end.
#   tests/bench/ingest_bench.sh        (after deploy/local/test.sh or demo.sh built everything)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:-$ROOT/build}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-ingest-bench.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
trap '"$ROOT/deploy/local/stack.sh" down >/dev/null 2>&1; rm -rf "$CRM_RUN_DIR"' EXIT

echo "== bus ceiling (bus_bench, 200-byte incompressible messages) =="
"$CRM_BUILD_DIR/bench/bus_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null |
  grep -E "_median" || true

"$ROOT/deploy/local/stack.sh" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
lg() { "$BIN/crm-loadgen" "$@" 2>/dev/null; }
echo "== gRPC streaming, 4 streams, as fast as acks allow =="
echo "-- fresh ingest (cold memos), every event a new person:"
lg ingest-grpc --addr "$CRM_INGEST_GRPC" --events 200000 --streams 4 --batch 100 --events-per-person 1
echo "-- then 5 events per person (memos warmed by the run above):"
lg ingest-grpc --addr "$CRM_INGEST_GRPC" --events 200000 --streams 4 --batch 100 --events-per-person 5
echo "== gRPC streaming, offered 25k events/s (latency below saturation) =="
lg ingest-grpc --addr "$CRM_INGEST_GRPC" --events 200000 --streams 4 --batch 20 --rate 25000
echo "== raw topic path, offered 30k, 50k and 70k records/s for 15 s each =="
lg ingest-raw --brokers "$CRM_KAFKA_BROKERS" --addr "$CRM_INGEST_GRPC" --seconds 15 --rate 30000 || true
lg ingest-raw --brokers "$CRM_KAFKA_BROKERS" --addr "$CRM_INGEST_GRPC" --seconds 15 --rate 50000 || true
lg ingest-raw --brokers "$CRM_KAFKA_BROKERS" --addr "$CRM_INGEST_GRPC" --seconds 15 --rate 70000 || true
