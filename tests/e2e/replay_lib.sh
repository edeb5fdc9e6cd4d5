# Shared by the replay tests (scoring_replay_test.sh, lifecycle_replay_test.sh):
# a run directory and the stack torn down on exit, the killed second
# service's process, topics created on the dev broker's control port, and a
# second service started with its own settings until its endpoints appear.
#
#   source replay_lib.sh NAME        NAME: the run directory's prefix
# Sets ROOT, BIN, STACK, CRM_RUN_DIR; defines fail, log, create_topic,
# start_second; KILLED_PID is the second service's pid.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CRM_BUILD_DIR="${CRM_BUILD_DIR:?set by ctest}"
export CRM_RUN_DIR
CRM_RUN_DIR="$(mktemp -d "/tmp/crm-e2e-$1.XXXXXX")"
BIN="$CRM_BUILD_DIR/bin"
STACK="$ROOT/deploy/local/stack.sh"
KILLED_PID=""
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date -u +%T)] $*"; }
replay_cleanup() {
  if [ -n "$KILLED_PID" ]; then kill -KILL "$KILLED_PID" 2>/dev/null && wait "$KILLED_PID" 2>/dev/null || true; fi
  "$STACK" down >/dev/null 2>&1 || true
  [ -n "${KEEP_RUN_DIR:-}" ] || rm -rf "$CRM_RUN_DIR"
}
trap replay_cleanup EXIT

# create_topic NAME PARTITIONS (needs CRM_KAFKA_CONTROL from stack.env)
create_topic() {
  python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1], int(sys.argv[2])), 5); s.sendall(sys.argv[3].encode() + b"\n"); s.shutdown(socket.SHUT_WR); r=s.recv(200); sys.exit(0 if r.startswith(b"ok") else 1)' \
    "${CRM_KAFKA_CONTROL%:*}" "${CRM_KAFKA_CONTROL##*:}" "create-topic $1 $2" || fail "create-topic $1"
}

# start_second NAME COMMAND...: runs COMMAND (with the stack's broker and
# Redis) in the background with --endpoints-file $CRM_RUN_DIR/kill.endpoints,
# logging to $CRM_RUN_DIR/kill.log, and waits for its endpoints.
start_second() {
  local name=$1
  shift
  rm -f "$CRM_RUN_DIR/kill.endpoints"
  CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="$CRM_REDIS_URL" \
    "$@" --endpoints-file "$CRM_RUN_DIR/kill.endpoints" >>"$CRM_RUN_DIR/kill.log" 2>&1 &
  KILLED_PID=$!
  local deadline=$((SECONDS + 60))
  until [ -s "$CRM_RUN_DIR/kill.endpoints" ]; do
    kill -0 "$KILLED_PID" 2>/dev/null || fail "second $name did not start: $(tail -3 "$CRM_RUN_DIR/kill.log")"
    [ $SECONDS -lt $deadline ] || fail "second $name did not start in time"
    sleep 0.2
  done
}
