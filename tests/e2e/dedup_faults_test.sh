#!/usr/bin/env bash
# e2e fault test of streaming dedup: a simulated show (seed 99, 2,000
# visitors, 150 exhibitors: ~35k events) goes through ingest once. Then two
# dedup deployments, each with its own consumer group, Redis prefix and
# output topics, resolve the same crm.events.v1 one after the other: the
# reference uninterrupted with one replica, the other while faults happen:
#   kill   SIGKILL at three random points mid-stream, restarted each time
#   scale  1 -> 3 -> 1 replicas during the stream (two join, then leave)
#   none   no fault (how far two uninterrupted deployments differ)
# With --exact, its outcome must equal the reference: the same clustering of
# every event, the same number of customers, merges, shared keys and review
# items (the target of issue 14; not met yet: two fault-free deployments
# already differ a little, see docs/DEDUP.md). Without it, the check ctest
# runs: every event resolved, no false merge (pairwise precision against the
# simulator's truth >= 0.999), customers within 1 % and at most 3 % of the
# events in clusters the reference does not have.
#   tests/e2e/dedup_faults_test.sh kill|scale|none [SEED] [--exact]
set -euo pipefail
MODE="${1:?kill, scale or none}"
SEED="${2:-99}"
EXACT="${3:-}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:-$ROOT/build}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-e2e-faults.XXXXXX)"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
RUN="$CRM_RUN_DIR"
PIDS=()
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  # KEEP_STACK=1: leave everything running for a look (stack.sh down later).
  [ -z "${KEEP_STACK:-}" ] || return 0
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  "$STACK" down >/dev/null 2>&1 || true
  [ -n "${KEEP_RUN_DIR:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

"$STACK" up >/dev/null
source "$RUN/stack.env"
SIM="$RUN/sim"
"$BIN/crm-simulate" --out-dir "$SIM" --visitors 2000 --exhibitors 150 --seed "$SEED" 2>/dev/null
"$BIN/crmctl" shows-upsert "$CRM_INGEST_GRPC" --file "$SIM/show.json" >/dev/null
"$BIN/crmctl" publish-files --brokers "$CRM_KAFKA_BROKERS" --dir "$SIM" >/dev/null
"$BIN/crmctl" ingest-report --brokers "$CRM_KAFKA_BROKERS" --timeout 300s >"$RUN/ingest.txt" 2>/dev/null
accepted=$(sed -n 's/^Accepted events on crm.events.v1: //p' "$RUN/ingest.txt")
[ "$accepted" -ge 30000 ] || fail "only $accepted events: the replay must have at least 30k"
log "$accepted events on crm.events.v1"

# A deployment: replicas of crm-dedup with their own group, prefix and topics.
CONTROL_HOST=${CRM_KAFKA_CONTROL%:*}
CONTROL_PORT=${CRM_KAFKA_CONTROL##*:}
N=0
declare -A REPLICA_PID REPLICA_ENDPOINTS
DEPLOYMENT=""
deployment() {
  DEPLOYMENT=$1
  for t in "crm.resolved.$1.v1" "crm.identity.$1.v1"; do
    python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1], int(sys.argv[2])), 5); s.sendall(sys.argv[3].encode() + b"\n"); s.shutdown(socket.SHUT_WR); s.recv(200)' \
      "$CONTROL_HOST" "$CONTROL_PORT" "create-topic $t 6"
  done
}
start_replica() {
  N=$((N + 1))
  local ep="$RUN/$DEPLOYMENT-$N.endpoints"
  CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" \
    CRM_DEDUP_CONSUMER_GROUP="crm-dedup-$DEPLOYMENT" CRM_DEDUP_REDIS_PREFIX="$DEPLOYMENT:" \
    CRM_DEDUP_RESOLVED_TOPIC="crm.resolved.$DEPLOYMENT.v1" CRM_DEDUP_IDENTITY_TOPIC="crm.identity.$DEPLOYMENT.v1" \
    "$BIN/crm-dedup" --config "$ROOT/deploy/local/config/dedup.yaml" --endpoints-file "$ep" \
    >"$RUN/$DEPLOYMENT-$N.log" 2>&1 </dev/null &
  local pid=$!
  PIDS+=("$pid")
  REPLICA_PID[$N]=$pid
  REPLICA_ENDPOINTS[$N]=$ep
  for _ in $(seq 300); do [ -s "$ep" ] && break; sleep 0.1; done
  [ -s "$ep" ] || fail "replica $N did not start (see $RUN/$DEPLOYMENT-$N.log)"
  log "$DEPLOYMENT replica $N started (pid $pid)"
}
# Events replica N has resolved so far (its own counter).
resolved_by() {
  local metrics
  metrics=$(sed -n 's/^metrics=//p' "${REPLICA_ENDPOINTS[$1]}")
  curl -s "http://$metrics/metrics" | awk '/^crm_dedup_resolved_total/ { s += $2 } END { printf "%d\n", s }'
}
wait_resolved() {  # REPLICA COUNT: until it has resolved COUNT events (or 120 s)
  local deadline=$((SECONDS + 120))
  while [ "$(resolved_by "$1")" -lt "$2" ]; do
    [ $SECONDS -lt $deadline ] || fail "replica $1 did not reach $2 resolved events"
    sleep 0.05
  done
}
grpc_of() { sed -n 's/^grpc=//p' "${REPLICA_ENDPOINTS[$1]}"; }
report() {  # REPLICA: the deployment's outcome once it has consumed everything
  "$BIN/crmctl" dedup-report "$(grpc_of "$1")" --brokers "$CRM_KAFKA_BROKERS" --group "crm-dedup-$DEPLOYMENT" \
    --resolved-topic "crm.resolved.$DEPLOYMENT.v1" --identity-topic "crm.identity.$DEPLOYMENT.v1" --timeout 300s \
    --clusters "$RUN/$DEPLOYMENT.csv" --truth "$SIM/dedup_truth.csv" >"$RUN/$DEPLOYMENT.txt" 2>/dev/null ||
    fail "dedup-report of $DEPLOYMENT failed"
  log "$DEPLOYMENT: $(grep '^Customers' "$RUN/$DEPLOYMENT.txt")"
}

deployment reference
start_replica
report "$N"
kill -TERM "${REPLICA_PID[$N]}"
wait "${REPLICA_PID[$N]}" 2>/dev/null || true

deployment faults
RANDOM=$SEED
case "$MODE" in
  kill)
    start_replica
    for k in 1 2 3; do
      # A random point in this replica's share of the stream: after it has
      # resolved between 1,000 and 5,000 more events.
      at=$((1000 + RANDOM % 4000))
      wait_resolved "$N" "$at"
      kill -KILL "${REPLICA_PID[$N]}"
      wait "${REPLICA_PID[$N]}" 2>/dev/null || true
      log "replica $N killed after $at events"
      start_replica
    done
    last=$N
    ;;
  scale)
    start_replica
    first=$((N))
    wait_resolved "$first" $((2000 + RANDOM % 3000))
    start_replica
    start_replica
    log "3 replicas"
    # Two more join and take partitions; once they have worked, they leave.
    wait_resolved $((first + 1)) 500
    wait_resolved $((first + 2)) 500
    kill -TERM "${REPLICA_PID[$((first + 1))]}" "${REPLICA_PID[$((first + 2))]}"
    wait "${REPLICA_PID[$((first + 1))]}" 2>/dev/null || true
    wait "${REPLICA_PID[$((first + 2))]}" 2>/dev/null || true
    log "back to 1 replica"
    last=$first
    ;;
  none)
    # No fault: how far two uninterrupted deployments differ by themselves.
    start_replica
    last=$N
    ;;
  *) fail "mode is kill, scale or none" ;;
esac

report "$last"

python3 - "$RUN/reference.csv" "$RUN/faults.csv" "$RUN/reference.txt" "$RUN/faults.txt" "$EXACT" <<'EOF'
import csv, re, sys
def clustering(path):
    by_cluster = {}
    for row in csv.DictReader(open(path)):
        by_cluster.setdefault(row["cluster_id"], set()).add(row["record_id"])
    return {frozenset(m) for m in by_cluster.values()}
def counts(path):
    text = open(path).read()
    m = re.search(r"^Customers: (\d+) \(merges (\d+), unmerges \d+, shared keys (\d+), review queue items (\d+)\)", text, re.M)
    ev = re.search(r"^Resolved events on \S+: (\d+)", text, re.M)
    pr = re.search(r"pairwise precision ([0-9.]+) recall ([0-9.]+)", text)
    return {"events": int(ev.group(1)), "customers": int(m.group(1)), "merges": int(m.group(2)),
            "shared keys": int(m.group(3)), "review items": int(m.group(4)),
            "precision": float(pr.group(1)), "recall": float(pr.group(2))}
ref, got = clustering(sys.argv[1]), clustering(sys.argv[2])
a, b = counts(sys.argv[3]), counts(sys.argv[4])
exact = sys.argv[5] == "--exact"
only_ref, only_got = ref - got, got - ref
moved = sum(len(c) for c in only_ref)
if exact:
    problems = [f"{k}: reference {a[k]}, faulted {b[k]}" for k in a if a[k] != b[k] and k not in ("precision", "recall")]
else:
    problems = []
    if b["events"] != a["events"]:
        problems.append(f"events resolved: reference {a['events']}, faulted {b['events']}")
    if b["precision"] < 0.999:
        problems.append(f"a false merge: pairwise precision {b['precision']} (reference {a['precision']})")
    if abs(b["customers"] - a["customers"]) > 0.01 * a["customers"]:
        problems.append(f"customers: reference {a['customers']}, faulted {b['customers']} (more than 1 % apart)")
    if moved > 0.03 * a["events"]:
        problems.append(f"{moved} events in clusters the reference does not have (more than 3 %)")
print(f"events in clusters the reference does not have: {moved} of {a['events']}")
if (only_ref or only_got) and (exact or problems):
    problems.append(f"clustering differs: {len(only_ref)} reference clusters ({moved} events) are not clusters of the faulted run, "
                    f"which has {len(only_got)} clusters of its own")
    for c in sorted(only_ref, key=len, reverse=True)[:3]:
        problems.append("  e.g. reference cluster " + ",".join(sorted(c)[:4]) + (" ..." if len(c) > 4 else ""))
print("reference:", a)
print("faulted:  ", b)
if problems:
    print("FAIL:\n" + "\n".join(problems))
    sys.exit(1)
if exact:
    print(f"PASS: {len(ref)} clusters of {a['events']} events identical; customers, merges, shared keys, review items equal")
else:
    print(f"PASS: every event resolved, precision {b['precision']}, customers {b['customers']} against {a['customers']}, "
          f"{moved} events clustered differently")
EOF
