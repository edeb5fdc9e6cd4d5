#!/usr/bin/env bash
# e2e: a simulated show streamed through the local stack. The raw records go
# to the raw topics; ingest must dead-letter exactly the records the
# simulator made invalid (by reason) and accept at least every unique valid
# event of the ground truth; dedup must resolve every unique valid event once
# and cluster them against the simulator's persons with pairwise precision
# >= 0.995 and recall >= 0.98.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:?set by ctest}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-e2e-show.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
trap '"$STACK" down >/dev/null 2>&1 || true; rm -rf "$CRM_RUN_DIR"' EXIT

"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
SIM="$CRM_RUN_DIR/sim"
"$BIN/crm-simulate" --out-dir "$SIM" --visitors 800 --exhibitors 60 --editions 2 --seed 11 --invalid-rate 0.03 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json" >/dev/null
"$BIN/crmctl" publish-files --brokers "$CRM_KAFKA_BROKERS" --dir "$SIM" >/dev/null
"$BIN/crmctl" ingest-report --brokers "$CRM_KAFKA_BROKERS" --timeout 180s >"$CRM_RUN_DIR/report.txt" 2>/dev/null

want=$(tail -n +2 "$SIM/truth_rejects.csv" | cut -d, -f3 | sort | uniq -c | awk '{print $2" "$1}')
got=$(sed -n '/^Rejected inputs/,$p' "$CRM_RUN_DIR/report.txt" | tail -n +2 | awk '{print $1" "$2}' | sort)
[ -n "$want" ] || fail "the simulator produced no invalid records"
[ "$want" = "$got" ] || fail "rejects differ from ground truth: $(diff <(echo "$want") <(echo "$got") | tr '\n' ' ')"
accepted=$(sed -n 's/^Accepted events on crm.events.v1: //p' "$CRM_RUN_DIR/report.txt")
unique=$(($(wc -l <"$SIM/truth_records.csv") - 1))
[ "$accepted" -ge "$unique" ] || fail "accepted $accepted events but the ground truth has $unique unique valid events"

"$BIN/crmctl" dedup-report "$CRM_DEDUP_GRPC" --brokers "$CRM_KAFKA_BROKERS" --timeout 180s \
  --truth "$SIM/dedup_truth.csv" >"$CRM_RUN_DIR/dedup.txt" 2>/dev/null || fail "dedup-report failed"
resolved=$(sed -n 's/^Resolved events on crm.resolved.v1: //p' "$CRM_RUN_DIR/dedup.txt")
[ "$resolved" = "$unique" ] || fail "dedup resolved $resolved events, the ground truth has $unique unique valid events"
line=$(grep '^Against ground truth' "$CRM_RUN_DIR/dedup.txt")
precision=$(echo "$line" | sed -n 's/.*pairwise precision \([0-9.]*\).*/\1/p')
recall=$(echo "$line" | sed -n 's/.*pairwise precision [0-9.]* recall \([0-9.]*\).*/\1/p')
awk -v p="$precision" -v r="$recall" 'BEGIN { exit !(p >= 0.995 && r >= 0.98) }' ||
  fail "dedup clustering below target: $line"
echo "PASS: $accepted events accepted (>= $unique unique), rejects match ground truth: $(echo $want)"
echo "PASS: dedup resolved $resolved events; $line"
