#!/usr/bin/env bash
# e2e: the show report against the simulator's truth, and crm-scoring rebuild.
#
#   show_report_test.sh SEED [rebuild]
#
# A simulated series (2000 visitors, 150 exhibitors, 3 editions) goes through
# the local stack. For every edition, `crmctl show-report --json` must agree
# with counts computed directly from the truth files (attendance, new vs
# returning, registrations within 5% - dedup is measured, not perfect;
# survey answers and distinct complaints exactly: show_report_truth.py).
# `crmctl customers list --edition` of the last edition must list as many
# customers as the report says attended, and a profile must be found by an
# email through dedup's IdentityService. Sub-type accuracy against the true
# styles is printed (subtype_accuracy.py); the visitor types must beat always
# guessing the most common one.
# With `rebuild`: scoring is stopped, its Redis keys deleted, and
# `crmctl scoring rebuild` must restore every profile and index byte for byte.
set -euo pipefail
SEED=${1:?seed}
MODE=${2:-}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:?set by ctest}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-e2e-report.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
KEEP=
fail() { echo "FAIL: $*" >&2; KEEP=1; exit 1; }
cleanup() {
  "$STACK" down >/dev/null 2>&1 || true
  if [ -n "$KEEP" ]; then echo "run directory kept: $CRM_RUN_DIR" >&2; else rm -rf "$CRM_RUN_DIR"; fi
}
trap cleanup EXIT

"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
SIM="$CRM_RUN_DIR/sim"
"$BIN/crm-simulate" --out-dir "$SIM" --visitors 2000 --exhibitors 150 --editions 3 --seed "$SEED" 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json" >/dev/null
"$BIN/crmctl" publish-files --brokers "$CRM_KAFKA_BROKERS" --dir "$SIM" >/dev/null
"$BIN/crmctl" ingest-report --brokers "$CRM_KAFKA_BROKERS" --timeout 300s >/dev/null 2>&1 || fail "ingest did not finish"
"$BIN/crmctl" dedup-report "$CRM_DEDUP_GRPC" --brokers "$CRM_KAFKA_BROKERS" --timeout 300s \
  --clusters "$CRM_RUN_DIR/clusters.csv" >/dev/null 2>&1 ||
  fail "dedup did not finish"

SHOW=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["show_id"])' "$SIM/show.json")
mapfile -t EDITIONS < <(python3 -c 'import json,sys; [print(e["edition_id"]) for e in json.load(open(sys.argv[1]))["editions"]]' "$SIM/show.json")
reports=()
for ed in "${EDITIONS[@]}"; do
  "$BIN/crmctl" show-report "$SHOW" "$ed" --addr "$CRM_SCORING_GRPC" --brokers "$CRM_KAFKA_BROKERS" --json \
    >"$CRM_RUN_DIR/report_$ed.json" 2>/dev/null || fail "show-report $SHOW $ed"
  reports+=("$CRM_RUN_DIR/report_$ed.json")
done
python3 "$ROOT/tests/e2e/show_report_truth.py" "$SIM" "${reports[@]}" || fail "show report differs from the truth"

last=${EDITIONS[-1]}
attended=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("attended", 0))' "$CRM_RUN_DIR/report_$last.json")
listed=$("$BIN/crmctl" customers list --addr "$CRM_SCORING_GRPC" --show "$SHOW" --edition "$last" --limit 1 --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin).get("total", 0))')
[ "$listed" = "$attended" ] || fail "customers list --edition $last: $listed, the report's attended: $attended"
echo "customers list --edition $last: $listed = attended"

email=$(python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["email"]:
        print(r["email"]); break' "$SIM/dedup_records.csv")
"$BIN/crmctl" profile get --addr "$CRM_SCORING_GRPC" "$email" --json >"$CRM_RUN_DIR/by_email.json" ||
  fail "no profile for $email through IdentityService"
echo "profile get $email: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["customer_id"])' "$CRM_RUN_DIR/by_email.json")"

# Sub-types against the simulator's true styles (the profiles as published on crm.profiles.v1).
CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" \
  "$BIN/crm-scoring" train --config "$ROOT/deploy/local/config/scoring.yaml" --wait 300s \
  --model "$CRM_RUN_DIR/model.json" --report "$CRM_RUN_DIR/train.md" --save-profiles "$CRM_RUN_DIR/profiles.jsonl" \
  >/dev/null 2>"$CRM_RUN_DIR/train.err" || fail "crm-scoring train: $(tail -3 "$CRM_RUN_DIR/train.err")"
python3 "$ROOT/tests/e2e/subtype_accuracy.py" "$SIM" "$CRM_RUN_DIR/clusters.csv" "$CRM_RUN_DIR/profiles.jsonl" ||
  fail "visitor sub-types no better than always guessing the most common one"

if [ "$MODE" = rebuild ]; then
  snap() { python3 "$ROOT/tests/e2e/redis_snapshot.py" "$CRM_REDIS_URL" scoring: | grep -E ':profile |:value:|:seg:|:edition:'; }
  snap >"$CRM_RUN_DIR/before.txt"
  kill -TERM "$(cat "$CRM_RUN_DIR/pids/scoring.pid")"
  while kill -0 "$(cat "$CRM_RUN_DIR/pids/scoring.pid")" 2>/dev/null; do sleep 0.2; done
  echo "deleted $(python3 "$ROOT/tests/e2e/redis_snapshot.py" "$CRM_REDIS_URL" scoring: --delete) scoring keys"
  CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" \
    "$BIN/crmctl" scoring rebuild --config "$ROOT/deploy/local/config/scoring.yaml" 2>"$CRM_RUN_DIR/rebuild.log" ||
    fail "crmctl scoring rebuild: $(tail -5 "$CRM_RUN_DIR/rebuild.log")"
  snap >"$CRM_RUN_DIR/after.txt"
  n=$(wc -l <"$CRM_RUN_DIR/before.txt")
  [ "$n" -gt 100 ] || fail "only $n profile and index keys before the rebuild"
  diff "$CRM_RUN_DIR/before.txt" "$CRM_RUN_DIR/after.txt" >"$CRM_RUN_DIR/rebuild.diff" ||
    fail "rebuilt state differs in $(grep -c '^[<>]' "$CRM_RUN_DIR/rebuild.diff") lines: $(head -5 "$CRM_RUN_DIR/rebuild.diff")"
  echo "rebuild: $n profile and index keys identical"
fi
echo "PASS show report seed $SEED $MODE"
