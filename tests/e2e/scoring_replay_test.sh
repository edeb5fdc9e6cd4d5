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
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:?set by ctest}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-e2e-replay.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
CONFIG="$ROOT/deploy/local/config/scoring.yaml"
KILLED_PID=""
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date -u +%T)] $*"; }
cleanup() {
  if [ -n "$KILLED_PID" ]; then kill -KILL "$KILLED_PID" 2>/dev/null && wait "$KILLED_PID" 2>/dev/null || true; fi
  "$STACK" down >/dev/null 2>&1 || true
  rm -rf "$CRM_RUN_DIR"
}
trap cleanup EXIT
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
CONTROL_HOST=${CRM_KAFKA_CONTROL%:*}
CONTROL_PORT=${CRM_KAFKA_CONTROL##*:}
for t in crm.profiles.kill.v1 crm.scores.kill.v1; do
  python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1], int(sys.argv[2])), 5); s.sendall(sys.argv[3].encode() + b"\n"); s.shutdown(socket.SHUT_WR); r=s.recv(200); sys.exit(0 if r.startswith(b"ok") else 1)' \
    "$CONTROL_HOST" "$CONTROL_PORT" "create-topic $t 6" || fail "create-topic $t"
done
start_killed() {
  rm -f "$CRM_RUN_DIR/kill.endpoints"
  CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" \
    CRM_SCORING_CONSUMER_GROUP=crm-scoring-kill CRM_SCORING_REDIS_PREFIX=kill: \
    CRM_SCORING_PROFILES_TOPIC=crm.profiles.kill.v1 CRM_SCORING_SCORES_TOPIC=crm.scores.kill.v1 \
    "$BIN/crm-scoring" --config "$CONFIG" --endpoints-file "$CRM_RUN_DIR/kill.endpoints" \
    >>"$CRM_RUN_DIR/kill.log" 2>&1 &
  KILLED_PID=$!
  local deadline=$((SECONDS + 60))
  until [ -s "$CRM_RUN_DIR/kill.endpoints" ]; do
    kill -0 "$KILLED_PID" 2>/dev/null || fail "second crm-scoring did not start: $(tail -3 "$CRM_RUN_DIR/kill.log")"
    [ $SECONDS -lt $deadline ] || fail "second crm-scoring did not start in time"
    sleep 0.2
  done
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
