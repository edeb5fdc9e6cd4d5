#!/usr/bin/env bash
# e2e: a simulated show streamed through the local stack. The raw records go
# to the raw topics; ingest must dead-letter exactly the records the
# simulator made invalid (by reason) and accept at least every unique valid
# event of the ground truth.
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
echo "PASS: $accepted events accepted (>= $unique unique), rejects match ground truth: $(echo $want)"
