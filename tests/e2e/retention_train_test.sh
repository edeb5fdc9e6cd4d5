#!/usr/bin/env bash
# e2e: the retention model from a simulated history. A small show series is
# streamed through the local stack; `crm-scoring train` reads what scoring
# published on crm.profiles.v1 and must report an AUC for XGBoost and for the
# logistic baseline and write a model file; a second crm-scoring started with
# scoring.retention_model = that file must serve profiles with a retention
# probability (the stack's own crm-scoring, without a model, must not), and
# a file that is not a model must stop it at start-up. No figure is
# asserted beyond "reported": the figures are in docs/SCORING.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:?set by ctest}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-e2e-retention.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
CONFIG="$ROOT/deploy/local/config/scoring.yaml"
fail() { echo "FAIL: $*" >&2; exit 1; }
SCORING2=""
cleanup() {
  if [ -n "$SCORING2" ] && kill -0 "$SCORING2" 2>/dev/null; then kill -TERM "$SCORING2"; wait "$SCORING2" || true; fi
  "$STACK" down >/dev/null 2>&1 || true
  rm -rf "$CRM_RUN_DIR"
}
trap cleanup EXIT

"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
export CRM_KAFKA_BROKERS CRM_REDIS_URL
SIM="$CRM_RUN_DIR/sim"
"$BIN/crm-simulate" --out-dir "$SIM" --visitors 800 --exhibitors 60 --editions 3 --seed 5 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json" >/dev/null
"$BIN/crmctl" publish-files --brokers "$CRM_KAFKA_BROKERS" --dir "$SIM" >/dev/null
"$BIN/crmctl" ingest-report --brokers "$CRM_KAFKA_BROKERS" --timeout 180s >/dev/null 2>&1 || fail "ingest did not finish"
"$BIN/crmctl" dedup-report "$CRM_DEDUP_GRPC" --brokers "$CRM_KAFKA_BROKERS" --timeout 180s >/dev/null 2>&1 ||
  fail "dedup did not finish"

MODEL="$CRM_RUN_DIR/model.json" REPORT="$CRM_RUN_DIR/report.md"
"$BIN/crm-scoring" train --config "$CONFIG" --wait 180s --model "$MODEL" --report "$REPORT" \
  --save-profiles "$CRM_RUN_DIR/profiles.jsonl" >"$CRM_RUN_DIR/train.txt" 2>"$CRM_RUN_DIR/train.err" ||
  fail "crm-scoring train failed: $(cat "$CRM_RUN_DIR/train.err")"
cat "$CRM_RUN_DIR/train.txt"
grep -Eq '^  xgboost +AUC 0\.[0-9]{4} +Brier 0\.[0-9]{4}' "$CRM_RUN_DIR/train.txt" || fail "no XGBoost AUC on stdout"
grep -Eq '^  logistic +AUC 0\.[0-9]{4} +Brier 0\.[0-9]{4}' "$CRM_RUN_DIR/train.txt" || fail "no logistic AUC on stdout"
grep -Eq '^\| XGBoost \| [0-9]+ \| [0-9]+ \| 0\.[0-9]{4} \| 0\.[0-9]{4} \|' "$REPORT" || fail "no XGBoost row in the report"
grep -Eq '^\| logistic regression \| [0-9]+ \| [0-9]+ \| 0\.[0-9]{4} \|' "$REPORT" || fail "no logistic row in the report"
grep -q '^### Calibration, XGBoost' "$REPORT" || fail "no calibration table in the report"
[ -s "$MODEL" ] || fail "no model file"

# A customer scoring knows (the first one of the history).
customer=$(head -1 "$CRM_RUN_DIR/profiles.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["customerId"])')
"$BIN/crmctl" profile get "$CRM_SCORING_GRPC" "$customer" --json >"$CRM_RUN_DIR/without.json" ||
  fail "the stack's scoring does not know $customer"
grep -q "\"retention_probability\"" "$CRM_RUN_DIR/without.json" && fail "a retention probability without a model"

# A second scoring service on the same bus, with the model, its own group and keys.
CRM_SCORING_RETENTION_MODEL="$MODEL" CRM_SCORING_CONSUMER_GROUP=crm-scoring-e2e-model CRM_SCORING_REDIS_PREFIX=e2e-model: \
  "$BIN/crm-scoring" --config "$CONFIG" --endpoints-file "$CRM_RUN_DIR/scoring2.endpoints" \
  >"$CRM_RUN_DIR/scoring2.log" 2>&1 &
SCORING2=$!
deadline=$((SECONDS + 60))
until [ -s "$CRM_RUN_DIR/scoring2.endpoints" ]; do
  kill -0 "$SCORING2" 2>/dev/null || fail "crm-scoring with the model did not start: $(tail -3 "$CRM_RUN_DIR/scoring2.log")"
  [ $SECONDS -lt $deadline ] || fail "crm-scoring with the model did not start in time"
  sleep 0.2
done
grpc2=$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/scoring2.endpoints")
deadline=$((SECONDS + 180))
until "$BIN/crmctl" profile get "$grpc2" "$customer" --json >"$CRM_RUN_DIR/with.json" 2>/dev/null &&
  grep -q "\"retention_probability\"" "$CRM_RUN_DIR/with.json"; do
  [ $SECONDS -lt $deadline ] || fail "no retention probability for $customer from the service with the model"
  sleep 0.5
done
p=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["series"][0]["indicators"]["retention_probability"])' \
  "$CRM_RUN_DIR/with.json")
awk -v p="$p" 'BEGIN { exit !(p > 0 && p < 1) }' || fail "retention probability $p is not a probability"
grep -q "\"contribution_potential\"" "$CRM_RUN_DIR/with.json" || fail "no potential contribution beside the probability"
kill -TERM "$SCORING2"
wait "$SCORING2" || true
SCORING2=""

# A file that is not a model stops start-up.
echo '{"not": "a model"}' >"$CRM_RUN_DIR/bad.json"
if CRM_SCORING_RETENTION_MODEL="$CRM_RUN_DIR/bad.json" CRM_SCORING_CONSUMER_GROUP=crm-scoring-e2e-bad \
  timeout 60 "$BIN/crm-scoring" --config "$CONFIG" >"$CRM_RUN_DIR/bad.log" 2>&1; then
  fail "crm-scoring started with a file that is not a model"
fi
grep -q "retention model" "$CRM_RUN_DIR/bad.log" || fail "start-up failure does not name the model: $(tail -2 "$CRM_RUN_DIR/bad.log")"
echo "PASS: train reported AUC and Brier for both models; the service with the model gave $customer p=$p"
