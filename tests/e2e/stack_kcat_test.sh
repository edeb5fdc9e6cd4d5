#!/usr/bin/env bash
# e2e: the stack that `stack.sh up` starts is a real Kafka endpoint. kcat
# (librdkafka's CLI, a client we did not write) produces to it and consumes
# back in a consumer group; `status` reports health; `down` stops exactly
# the processes `up` started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:?set by ctest}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d /tmp/crm-e2e-stack.XXXXXX)"
STACK="$ROOT/deploy/local/stack.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() { "$STACK" down >/dev/null 2>&1 || true; rm -rf "$CRM_RUN_DIR"; }
trap cleanup EXIT

"$STACK" up >/dev/null
source "$CRM_RUN_DIR/stack.env"
[ -n "$CRM_KAFKA_BROKERS" ] || fail "stack.env has no CRM_KAFKA_BROKERS"
[[ "$CRM_REDIS_URL" =~ ^redis://127\.0\.0\.1:[0-9]+$ ]] || fail "bad CRM_REDIS_URL '$CRM_REDIS_URL'"
broker_pid=$(cat "$CRM_RUN_DIR/pids/dev-broker.pid")
redis_pid=$(cat "$CRM_RUN_DIR/pids/redis.pid")

topic=crm.e2e.kcat.v1
run_id=$RANDOM$RANDOM
for i in $(seq 1 50); do echo "msg-$run_id-$i"; done | kcat -b "$CRM_KAFKA_BROKERS" -P -t "$topic" -K: -X acks=all
got=$(timeout 60 kcat -b "$CRM_KAFKA_BROKERS" -X session.timeout.ms=6000 -G "e2e-group-$run_id" -o beginning -e -q "$topic" 2>/dev/null | grep -c "msg-$run_id-" || true)
[ "$got" -eq 50 ] || fail "consumer group read $got of 50 messages"

# The group committed: a second member of the same group reads nothing new.
again=$(timeout 30 kcat -b "$CRM_KAFKA_BROKERS" -X session.timeout.ms=6000 -G "e2e-group-$run_id" -e -q "$topic" 2>/dev/null | grep -c "msg-$run_id-" || true)
[ "$again" -eq 0 ] || fail "group re-read $again messages after committing"

"$STACK" status >/dev/null || fail "status reports an unhealthy part"
# An unrelated process that must survive `down`.
sleep 300 &
bystander=$!
"$STACK" down >/dev/null
kill -0 "$broker_pid" 2>/dev/null && fail "dev broker still running after down"
kill -0 "$redis_pid" 2>/dev/null && fail "redis still running after down"
kill -0 "$bystander" 2>/dev/null || fail "down killed a process it did not start"
kill "$bystander"
if "$STACK" status >/dev/null 2>&1; then fail "status says up after down"; fi
echo "PASS: kcat produced and consumed 50 messages in a consumer group; status and down behaved"
