#!/usr/bin/env bash
# e2e (faults): scoring killed mid-replay ends with the same profiles as an
# uninterrupted run.
#
#   scoring_replay_test.sh [SEED] [EVENTS] [KILLS]
#
# crm-loadgen resolved puts EVENTS (default 200000) resolved events of 20000
# customers of the simulator's show series straight on crm.resolved.v1 (no
# ingest, no dedup). The stack's crm-scoring replays them once, untouched. A
# second crm-scoring (own group, Redis prefix and output topics) replays the
# same history and is SIGKILLed KILLS times (default 4) at random points 2-8 s
# apart while it still has lag, restarted each time. Once both groups have
# consumed everything, every profile and index key (:profile, :value:, :seg:,
# :edition:) under the two prefixes must be byte-identical, and there must be
# more than 10000 profiles.
set -euo pipefail
SEED=${1:-1}
EVENTS=${2:-200000}
KILLS=${3:-4}
CUSTOMERS=20000
source "$(dirname "$0")/replay_lib.sh" replay
CONFIG="$ROOT/deploy/local/config/scoring.yaml"
RANDOM=$SEED
START=$SECONDS

"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
SIM="$CRM_RUN_DIR/sim"
"$BIN/crm-simulate" --out-dir "$SIM" --visitors 10 --exhibitors 2 --seed "$SEED" 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json" >/dev/null
SHOW=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["show_id"])' "$SIM/show.json")
EDITIONS=$(python3 -c 'import json,sys; print(",".join(e["edition_id"] + "=" + e["open_date"] for e in json.load(open(sys.argv[1]))["editions"]))' "$SIM/show.json")
LAST_EDITION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["editions"][-1]["edition_id"])' "$SIM/show.json")

"$BIN/crm-loadgen" resolved --brokers "$CRM_KAFKA_BROKERS" --show "$SHOW" --editions "$EDITIONS" \
  --events "$EVENTS" --customers "$CUSTOMERS" --seed "$SEED" || fail "crm-loadgen resolved"
# The dev broker drops a partition's oldest records past its bound: the whole
# history must still be there (every partition from offset 0, EVENTS in all).
kept=0
for p in 0 1 2 3 4 5; do
  first=$(kcat -C -b "$CRM_KAFKA_BROKERS" -t crm.resolved.v1 -p "$p" -o beginning -c 1 -e -f '%o' 2>/dev/null)
  last=$(kcat -C -b "$CRM_KAFKA_BROKERS" -t crm.resolved.v1 -p "$p" -o -1 -c 1 -e -f '%o' 2>/dev/null)
  [ "$first" = 0 ] || fail "crm.resolved.v1 partition $p starts at offset ${first:-?}: the broker dropped records"
  kept=$((kept + last + 1))
done
[ "$kept" = "$EVENTS" ] || fail "crm.resolved.v1 holds $kept records, $EVENTS produced"
log "$EVENTS resolved events on crm.resolved.v1 ($SHOW: $EDITIONS), all kept"

# The scoring that gets killed writes its changelogs to its own topics.
for t in crm.profiles.kill.v1 crm.scores.kill.v1; do create_topic "$t" 6; done
start_killed() {
  CRM_SCORING_CONSUMER_GROUP=crm-scoring-kill CRM_SCORING_REDIS_PREFIX=kill: \
    CRM_SCORING_PROFILES_TOPIC=crm.profiles.kill.v1 CRM_SCORING_SCORES_TOPIC=crm.scores.kill.v1 \
    start_second crm-scoring "$BIN/crm-scoring" --config "$CONFIG"
}
lag() {  # records crm-scoring-kill has not committed yet: a number, or empty if unknown
  local out
  if out=$("$BIN/crmctl" show-report "$SHOW" "$LAST_EDITION" --addr "$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/kill.endpoints")" \
    --brokers "$CRM_KAFKA_BROKERS" --group crm-scoring-kill --wait-timeout 1ms 2>&1 >/dev/null); then
    echo 0
  else
    sed -n 's/.*still \([0-9]*\) records behind.*/\1/p' <<<"$out"
  fi
}

start_killed
kills=0
behind=$EVENTS
while [ "$kills" -lt "$KILLS" ]; do
  # Kill only once this incarnation has committed progress (a restarted
  # member waits for the group to expire the killed one first).
  deadline=$((SECONDS + 180))
  while now=$(lag); [ -z "$now" ] || [ "$now" -ge "$behind" ]; do
    [ $SECONDS -lt $deadline ] || fail "crm-scoring-kill made no progress in 180 s after kill $kills"
    sleep 0.5
  done
  [ "$now" -gt 0 ] || fail "crm-scoring-kill caught up after $kills kills; fewer kills or more events"
  sleep $((2 + RANDOM % 7)).$((RANDOM % 10))
  behind=$(lag)
  [ -n "$behind" ] || behind=$now
  [ "$behind" -gt 0 ] || fail "crm-scoring-kill caught up after $kills kills; fewer kills or more events"
  kill -KILL "$KILLED_PID"
  wait "$KILLED_PID" 2>/dev/null || true
  kills=$((kills + 1))
  log "kill $kills: SIGKILL with $behind records to go; restarting"
  start_killed
done

for group in crm-scoring crm-scoring-kill; do
  "$BIN/crmctl" show-report "$SHOW" "$LAST_EDITION" --addr "$CRM_SCORING_GRPC" --brokers "$CRM_KAFKA_BROKERS" \
    --group "$group" --wait-timeout 600s >/dev/null 2>"$CRM_RUN_DIR/wait-$group.log" ||
    fail "$group did not catch up: $(tail -2 "$CRM_RUN_DIR/wait-$group.log")"
done
log "both groups at lag 0"

snap() {
  python3 "$ROOT/tests/e2e/redis_snapshot.py" "$CRM_REDIS_URL" "$1" | grep -E ':profile |:value:|:seg:|:edition:' |
    sed "s/^$1//" | sort
}
snap scoring: >"$CRM_RUN_DIR/uninterrupted.txt"
snap kill: >"$CRM_RUN_DIR/killed.txt"
profiles=$(grep -c ':profile ' "$CRM_RUN_DIR/uninterrupted.txt" || true)
keys=$(wc -l <"$CRM_RUN_DIR/uninterrupted.txt")
[ "$profiles" -gt 10000 ] || fail "only $profiles profiles after the uninterrupted run"
diff "$CRM_RUN_DIR/uninterrupted.txt" "$CRM_RUN_DIR/killed.txt" >"$CRM_RUN_DIR/replay.diff" ||
  fail "killed run differs in $(grep -c '^[<>]' "$CRM_RUN_DIR/replay.diff") lines: $(head -6 "$CRM_RUN_DIR/replay.diff")"
echo "PASS scoring replay: $EVENTS events, $kills SIGKILLs, $profiles profiles and $keys profile and index keys identical ($((SECONDS - START)) s)"
