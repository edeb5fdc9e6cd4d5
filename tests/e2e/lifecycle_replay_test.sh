#!/usr/bin/env bash
# e2e (faults): the lifecycle replayed from its input topics and SIGKILLed
# across rebooking deadlines ends with the same stages, transitions and
# timers as the stack's lifecycle that judged the same show live.
#
#   lifecycle_replay_test.sh [SEED] [KILLS]
#
# A four-edition simulated series (2000 visitors, 150 exhibitors, seed SEED,
# default 5) goes through the whole stack; its crm-lifecycle judges it as
# the profiles arrive (uninterrupted). A second crm-lifecycle (own group,
# Redis prefix and output topic, 10 members per timer chunk) then replays
# crm.profiles.v1, crm.scores.v1 and crm.identity.v1 from the beginning and
# is SIGKILLed KILLS times (default 4), each time while a rebooking
# deadline's pass over the series is under way, restarted each time. Once
# both are at lag 0:
#   - every customer's stage, stage per edition and transitions (rule,
#     evidence, day; revisions aside) are identical in the two;
#   - each output topic holds, per transition id at its highest revision,
#     exactly the transitions the service's records hold;
#   - every timer the uninterrupted run fired was fired by the replay, and
#     each exactly once; the timers still pending are the same.
set -euo pipefail
SEED=${1:-5}
KILLS=${2:-4}
source "$(dirname "$0")/replay_lib.sh" lifecycle
CONFIG="$ROOT/deploy/local/config/lifecycle.yaml"
RANDOM=$SEED
START=$SECONDS

"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
RPORT=${CRM_REDIS_URL##*:}
rcli() { redis-cli -p "$RPORT" "$@"; }
SIM="$CRM_RUN_DIR/sim"
"$BIN/crm-simulate" --out-dir "$SIM" --visitors 2000 --exhibitors 150 --editions 4 --start-year 2023 \
  --seed "$SEED" 2>/dev/null
SHOW=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["show_id"])' "$SIM/show.json")
LAST=$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["editions"], key=lambda e: e["open_date"])[-1]["edition_id"])' "$SIM/show.json")
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json" >/dev/null
"$BIN/crmctl" publish-files --brokers "$CRM_KAFKA_BROKERS" --dir "$SIM" >/dev/null
"$BIN/crmctl" ingest-report --brokers "$CRM_KAFKA_BROKERS" --timeout 300s >/dev/null 2>&1 || fail "ingest did not finish"
"$BIN/crmctl" dedup-report "$CRM_DEDUP_GRPC" --brokers "$CRM_KAFKA_BROKERS" --timeout 300s >/dev/null ||
  fail "dedup did not finish"
"$BIN/crmctl" show-report "$SHOW" "$LAST" --addr "$CRM_SCORING_GRPC" --brokers "$CRM_KAFKA_BROKERS" \
  --wait-timeout 600s >/dev/null || fail "scoring did not finish"
"$BIN/crmctl" lifecycle funnel "$SHOW" --addr "$CRM_LIFECYCLE_GRPC" --brokers "$CRM_KAFKA_BROKERS" \
  >"$CRM_RUN_DIR/funnel.txt" || fail "the stack's lifecycle did not finish"
log "the stack judged $SHOW live ($((SECONDS - START)) s)"

create_topic crm.lifecycle.kill.v1 6
start_killed() {
  CRM_LIFECYCLE_CONSUMER_GROUP=crm-lifecycle-kill CRM_LIFECYCLE_REDIS_PREFIX=kill: \
    CRM_LIFECYCLE_LIFECYCLE_TOPIC=crm.lifecycle.kill.v1 CRM_LIFECYCLE_PASS_CHUNK=10 \
    start_second crm-lifecycle "$BIN/crm-lifecycle" --config "$CONFIG"
}

deadline_progress() { rcli --raw HGETALL 'kill:{t}:progress' | paste - - | grep '|deadline' | head -1 || true; }
start_killed
kills=0
last=""
while [ "$kills" -lt "$KILLS" ]; do
  # Wait until this incarnation is in a deadline's pass (its progress moved
  # since the last kill), then kill at a random chunk of it.
  deadline=$((SECONDS + 180))
  while now=$(deadline_progress); [ -z "$now" ] || [ "$now" = "$last" ]; do
    [ $SECONDS -lt $deadline ] || fail "no rebooking deadline pass under way in 180 s after kill $kills"
    kill -0 "$KILLED_PID" 2>/dev/null || fail "crm-lifecycle-kill exited: $(tail -3 "$CRM_RUN_DIR/kill.log")"
    sleep 0.01
  done
  sleep "0.0$((RANDOM % 10))"
  kill -KILL "$KILLED_PID"
  wait "$KILLED_PID" 2>/dev/null || true
  last=$(deadline_progress)
  kills=$((kills + 1))
  log "kill $kills: SIGKILL during a rebooking deadline's pass (progress then: ${last:-pass done}); restarting"
  start_killed
done

"$BIN/crmctl" lifecycle funnel "$SHOW" --addr "$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/kill.endpoints")" \
  --brokers "$CRM_KAFKA_BROKERS" --group crm-lifecycle-kill --wait-timeout 600s >/dev/null ||
  fail "crm-lifecycle-kill did not catch up"
log "both at lag 0"
# Usual levels whose inputs changed are computed again once caught up.
deadline=$((SECONDS + 120))
until [ "$(rcli HLEN 'lifecycle:{t}:dirty')" = 0 ] && [ "$(rcli HLEN 'kill:{t}:dirty')" = 0 ]; do
  [ $SECONDS -lt $deadline ] || fail "usual levels still to compute again after 120 s"
  sleep 0.5
done

norm() {  # every customer's stages and transitions, revisions aside, sorted
  python3 -c '
import json, sys
out = []
for line in sys.stdin:
    c = json.loads(line)
    for t in c.get("transitions", []):
        t.pop("revision", None)
    out.append(json.dumps(c, sort_keys=True))
print("\n".join(sorted(out)))'
}
"$BIN/crmctl" lifecycle export "$SHOW" --addr "$CRM_LIFECYCLE_GRPC" | norm >"$CRM_RUN_DIR/uninterrupted.txt"
"$BIN/crmctl" lifecycle export "$SHOW" --addr "$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/kill.endpoints")" | norm \
  >"$CRM_RUN_DIR/killed.txt"
customers=$(wc -l <"$CRM_RUN_DIR/uninterrupted.txt")
transitions=$(grep -o '"transition_id"' "$CRM_RUN_DIR/uninterrupted.txt" | wc -l)
[ "$customers" -gt 1000 ] || fail "only $customers customers judged"
grep -q '"rule":"no_rebooking"\|"rule": "no_rebooking"' "$CRM_RUN_DIR/uninterrupted.txt" || fail "no no_rebooking transition at all"
diff "$CRM_RUN_DIR/uninterrupted.txt" "$CRM_RUN_DIR/killed.txt" >"$CRM_RUN_DIR/stages.diff" ||
  fail "killed replay differs for $(grep -c '^>' "$CRM_RUN_DIR/stages.diff") customers: $(head -c 1500 "$CRM_RUN_DIR/stages.diff")"

in_force() {  # the records' transitions, then the topic's in force, as sorted JSON lines
  python3 -c '
import json, sys
mode = sys.argv[1]
out = []
for line in sys.stdin:
    o = json.loads(line)
    ts = o.get("transitions", []) if mode == "records" else ([] if o.get("withdrawn") else [o])
    for t in ts:
        t.pop("revision", None)
        out.append(json.dumps(t, sort_keys=True))
print("\n".join(sorted(out)))' "$1"
}
for run in uninterrupted:crm.lifecycle.v1 killed:crm.lifecycle.kill.v1; do
  name=${run%%:*}
  topic=${run#*:}
  "$BIN/crmctl" lifecycle published --brokers "$CRM_KAFKA_BROKERS" --topic "$topic" 2>"$CRM_RUN_DIR/$name.published.log" |
    in_force topic >"$CRM_RUN_DIR/$name.topic.txt"
  tr '\n' ' ' <"$CRM_RUN_DIR/$name.published.log"
  echo
  in_force records <"$CRM_RUN_DIR/uninterrupted.txt" >"$CRM_RUN_DIR/records.txt"
  diff "$CRM_RUN_DIR/records.txt" "$CRM_RUN_DIR/$name.topic.txt" >"$CRM_RUN_DIR/$name.topic.diff" ||
    fail "$topic differs from the records in $(grep -c '^[<>]' "$CRM_RUN_DIR/$name.topic.diff") transitions"
done

fired() { rcli --raw HGETALL "$1{t}:fired" | paste - - | sort; }
fired lifecycle: >"$CRM_RUN_DIR/fired.uninterrupted"
fired kill: >"$CRM_RUN_DIR/fired.killed"
[ -s "$CRM_RUN_DIR/fired.uninterrupted" ] || fail "the uninterrupted run fired no timer"
grep -q '|deadline' "$CRM_RUN_DIR/fired.uninterrupted" || fail "no rebooking deadline fired"
awk '$2 != 1 {print; bad=1} END {exit bad}' "$CRM_RUN_DIR/fired.killed" || fail "a timer fired more than once"
diff "$CRM_RUN_DIR/fired.uninterrupted" "$CRM_RUN_DIR/fired.killed" || fail "fired timers differ"
diff <(rcli ZRANGE 'lifecycle:{t}:timers' 0 -1 WITHSCORES) <(rcli ZRANGE 'kill:{t}:timers' 0 -1 WITHSCORES) ||
  fail "pending timers differ"
echo "PASS lifecycle replay: $kills SIGKILLs during rebooking deadline passes; $customers customers, $transitions transitions," \
  "$(wc -l <"$CRM_RUN_DIR/fired.killed") timers fired once each, identical ($((SECONDS - START)) s)"
