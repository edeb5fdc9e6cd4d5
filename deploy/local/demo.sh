#!/usr/bin/env bash
# The main job on the local stack: installs and builds what is missing, brings
# the stack up (dev broker, redis-server, every built service), streams a
# simulated show through it, prints a report, and takes the stack down again.
#
#   deploy/local/demo.sh [--visitors N] [--exhibitors N] [--editions N] [--seed N]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VISITORS=5000 EXHIBITORS=300 EDITIONS=3 SEED=7 INVALID_RATE=0.01
while [ $# -gt 0 ]; do
  case "$1" in
    --visitors) VISITORS=$2; shift 2 ;;
    --exhibitors) EXHIBITORS=$2; shift 2 ;;
    --editions) EDITIONS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --invalid-rate) INVALID_RATE=$2; shift 2 ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done

install_deps
build_all

STACK="$CRM_ROOT/deploy/local/stack.sh"
"$STACK" down >/dev/null 2>&1 || true
trap '"$STACK" down' EXIT
"$STACK" up
# shellcheck disable=SC1091
source "$CRM_RUN_DIR/stack.env"
LOG="$CRM_RUN_DIR/logs/demo.log"

say "bus check: 10000 messages through producer (idempotent, acks=all) -> broker -> consumer group"
"$CRM_BIN/crmctl" bus-roundtrip --brokers "$CRM_KAFKA_BROKERS" --topic crm.roundtrip.v1 --count 10000 2>>"$LOG"

SIM="$CRM_RUN_DIR/sim"
rm -rf "$SIM"
say "simulating a show series: $VISITORS visitors, $EXHIBITORS exhibitors, $EDITIONS editions, seed $SEED"
"$CRM_BIN/crm-simulate" --out-dir "$SIM" --visitors "$VISITORS" --exhibitors "$EXHIBITORS" --editions "$EDITIONS" \
  --seed "$SEED" --invalid-rate "$INVALID_RATE" 2>>"$LOG"

say "registering the show with ingest's ShowService"
"$CRM_BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json"

say "streaming the raw records into crm.raw.* (ticketing, scans, imports)"
started=$(date +%s.%N)
"$CRM_BIN/crmctl" publish-files --brokers "$CRM_KAFKA_BROKERS" --dir "$SIM"

say "waiting for ingest to work through them"
"$CRM_BIN/crmctl" ingest-report --brokers "$CRM_KAFKA_BROKERS" --group crm-ingest >"$CRM_RUN_DIR/report.txt"
finished=$(date +%s.%N)

say "waiting for dedup to resolve every event to a customer"
"$CRM_BIN/crmctl" dedup-report "$CRM_DEDUP_GRPC" --brokers "$CRM_KAFKA_BROKERS" \
  --truth "$SIM/dedup_truth.csv" --clusters "$CRM_RUN_DIR/stream_clusters.csv" >"$CRM_RUN_DIR/dedup_report.txt"
resolved=$(date +%s.%N)

LAST_EDITION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["editions"][-1]["edition_id"])' "$SIM/show.json")
SHOW_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["show_id"])' "$SIM/show.json")
say "waiting for scoring, then the show report of $SHOW_ID $LAST_EDITION"
"$CRM_BIN/crmctl" show-report "$SHOW_ID" "$LAST_EDITION" --addr "$CRM_SCORING_GRPC" --brokers "$CRM_KAFKA_BROKERS" \
  >"$CRM_RUN_DIR/show_report.txt"
scored=$(date +%s.%N)

say "waiting for the lifecycle, then its funnel and the retention call list of $SHOW_ID"
"$CRM_BIN/crmctl" lifecycle funnel "$SHOW_ID" --addr "$CRM_LIFECYCLE_GRPC" --brokers "$CRM_KAFKA_BROKERS" \
  >"$CRM_RUN_DIR/lifecycle_funnel.txt"
"$CRM_BIN/crmctl" lifecycle list "$SHOW_ID" weakening --type exhibitor --by contribution --limit 10 \
  --addr "$CRM_LIFECYCLE_GRPC" >"$CRM_RUN_DIR/call_list.txt"
"$CRM_BIN/crmctl" lifecycle eval "$SHOW_ID" --truth "$SIM/truth_stages.csv" --clusters "$CRM_RUN_DIR/stream_clusters.csv" \
  --addr "$CRM_LIFECYCLE_GRPC" >"$CRM_RUN_DIR/lifecycle_eval.txt"
staged=$(date +%s.%N)

echo
echo "== Report =="
echo "Simulated: $(tr -d '\n' <"$SIM/summary.json" | head -c 400)"
echo "Deliberately invalid records (ground truth): $(($(wc -l <"$SIM/truth_rejects.csv") - 1))"
cat "$CRM_RUN_DIR/report.txt"
printf '\nIngested in %.1f s (publish + ingest, wall clock)\n' "$(echo "$finished - $started" | bc -l)"
cat "$CRM_RUN_DIR/dedup_report.txt"
printf 'Resolved %.1f s after ingest finished\n' "$(echo "$resolved - $finished" | bc -l)"
echo
cat "$CRM_RUN_DIR/show_report.txt"
printf 'Scored and reported %.1f s after dedup finished\n' "$(echo "$scored - $resolved" | bc -l)"
echo
cat "$CRM_RUN_DIR/lifecycle_funnel.txt"
echo
echo "Retention call list (weakening exhibitors by contribution, with the signals that put them there):"
cat "$CRM_RUN_DIR/call_list.txt"
echo
cat "$CRM_RUN_DIR/lifecycle_eval.txt"
printf 'Stages judged %.1f s after scoring finished\n' "$(echo "$staged - $scored" | bc -l)"
# Rejects by reason against the simulator's ground truth.
want=$(tail -n +2 "$SIM/truth_rejects.csv" | cut -d, -f3 | sort | uniq -c | awk '{print $2" "$1}')
got=$(sed -n '/^Rejected inputs/,$p' "$CRM_RUN_DIR/report.txt" | tail -n +2 | awk '{print $1" "$2}' | sort)
if [ "$want" = "$got" ]; then
  echo "Rejects by reason match the simulator's ground truth exactly."
else
  echo "Rejects by reason DIFFER from the simulator's ground truth:"
  diff <(echo "$want") <(echo "$got") || true
fi
echo
"$STACK" status || true
