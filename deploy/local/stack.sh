#!/usr/bin/env bash
# The local stack: dev broker (librdkafka mock cluster), redis-server and every
# service binary that has been built, on free loopback ports.
#
#   deploy/local/stack.sh up      start everything, wait until healthy, write run/stack.env
#   deploy/local/stack.sh status  each part and its health
#   deploy/local/stack.sh down    stop exactly what `up` started
#
# Endpoints go to deploy/local/run/stack.env (source it):
#   CRM_KAFKA_BROKERS, CRM_KAFKA_CONTROL, CRM_REDIS_URL,
#   CRM_<SERVICE>_GRPC, CRM_<SERVICE>_METRICS
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIDS="$CRM_RUN_DIR/pids"
LOGS="$CRM_RUN_DIR/logs"
ENV_FILE="$CRM_RUN_DIR/stack.env"

alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# start NAME LOG COMMAND...: runs COMMAND in the background, records its pid.
start() {
  local name=$1
  shift
  nohup "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  echo "$*" >"$PIDS/$name.cmd"
}

stop_one() {
  local name=$1 pidfile="$PIDS/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  # Only signal the process we started (the pid may have been reused).
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(cut -d' ' -f1 "$PIDS/$name.cmd")"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop in 15 s; killing"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile" "$PIDS/$name.cmd"
}

cmd_down() {
  local i
  for ((i = ${#CRM_SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${CRM_SERVICES[$i]}"; done
  stop_one redis
  stop_one dev-broker
  rm -f "$ENV_FILE"
}

cmd_up() {
  [ -x "$CRM_BIN/crm-dev-broker" ] || die "no $CRM_BIN/crm-dev-broker: build first (deploy/local/test.sh or demo.sh)"
  if alive dev-broker || alive redis; then
    say "stack already running:"
    cmd_status
    return 0
  fi
  # The dev broker keeps its topics in memory, so every `up` starts an empty
  # bus; Redis state derived from an earlier bus (event ids, the identity
  # index) would not match it and is cleared too.
  rm -rf "$CRM_RUN_DIR/redis"
  mkdir -p "$PIDS" "$LOGS" "$CRM_RUN_DIR/redis"
  # A failed start leaves nothing behind.
  trap 'say "start-up failed; stopping what was started"; cmd_down' ERR

  say "starting dev broker (3 mock brokers)"
  rm -f "$CRM_RUN_DIR/kafka.env"
  start dev-broker "$CRM_BIN/crm-dev-broker" --brokers 3 --topics "$CRM_ROOT/deploy/local/topics.yaml" \
    --bootstrap-file "$CRM_RUN_DIR/kafka.env"
  wait_for 20 "dev broker" test -s "$CRM_RUN_DIR/kafka.env" || die_log "$LOGS/dev-broker.log" "dev broker did not start (see $LOGS/dev-broker.log)"
  # shellcheck disable=SC1091
  source "$CRM_RUN_DIR/kafka.env"

  local redis_port
  redis_port=$(free_port)
  say "starting redis-server on 127.0.0.1:$redis_port (append-only file in $CRM_RUN_DIR/redis)"
  # CRM_REDIS_CPU (e.g. 1): the core redis-server's main thread runs on (its server_cpulist).
  local redis_cpu=()
  [ -n "${CRM_REDIS_CPU:-}" ] && redis_cpu=(--server_cpulist "$CRM_REDIS_CPU")
  start redis redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$CRM_RUN_DIR/redis" \
    --appendonly yes --save "" --daemonize no "${redis_cpu[@]}"
  wait_for 20 "redis" bash -c "[ \"\$(redis-cli -p $redis_port ping)\" = PONG ]" ||
    die_log "$LOGS/redis.log" "redis-server did not start (see $LOGS/redis.log)"

  {
    echo "CRM_KAFKA_BROKERS=$CRM_KAFKA_BROKERS"
    echo "CRM_KAFKA_CONTROL=$CRM_KAFKA_CONTROL"
    echo "CRM_REDIS_URL=redis://127.0.0.1:$redis_port"
  } >"$ENV_FILE.tmp"

  local svc dedup_grpc=""
  for svc in "${CRM_SERVICES[@]}"; do
    local bin="$CRM_BIN/crm-$svc"
    [ -x "$bin" ] || continue
    local cfg="$CRM_ROOT/deploy/local/config/$svc.yaml" args=()
    [ -f "$cfg" ] && args=(--config "$cfg")
    rm -f "$CRM_RUN_DIR/$svc.endpoints"
    say "starting $svc"
    # Scoring looks identifiers up through dedup's IdentityService.
    CRM_KAFKA_BROKERS="$CRM_KAFKA_BROKERS" CRM_REDIS_URL="redis://127.0.0.1:$redis_port" \
      CRM_SCORING_IDENTITY_ADDR="${dedup_grpc:-}" start "$svc" "$bin" "${args[@]}" --endpoints-file "$CRM_RUN_DIR/$svc.endpoints"
    wait_for 30 "$svc endpoints" test -s "$CRM_RUN_DIR/$svc.endpoints" || die_log "$LOGS/$svc.log" "$svc did not start (see $LOGS/$svc.log)"
    local grpc metrics upper
    grpc=$(sed -n 's/^grpc=//p' "$CRM_RUN_DIR/$svc.endpoints")
    metrics=$(sed -n 's/^metrics=//p' "$CRM_RUN_DIR/$svc.endpoints")
    wait_for 30 "$svc health" "$CRM_BIN/crmctl" health "$grpc" || die_log "$LOGS/$svc.log" "$svc is not healthy (see $LOGS/$svc.log)"
    upper=$(echo "$svc" | tr '[:lower:]' '[:upper:]')
    [ "$svc" = dedup ] && dedup_grpc=$grpc
    echo "CRM_${upper}_GRPC=$grpc" >>"$ENV_FILE.tmp"
    echo "CRM_${upper}_METRICS=$metrics" >>"$ENV_FILE.tmp"
  done
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  trap - ERR
  say "stack is up; endpoints in $ENV_FILE"
  cat "$ENV_FILE"
}

cmd_status() {
  local rc=0
  if [ ! -f "$ENV_FILE" ]; then
    echo "stack: down (no $ENV_FILE)"
    return 3
  fi
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  if alive dev-broker && kcat -b "$CRM_KAFKA_BROKERS" -L -m 5 >/dev/null 2>&1; then
    printf '%-12s %-8s %s\n' dev-broker healthy "$CRM_KAFKA_BROKERS"
  else
    printf '%-12s %-8s %s\n' dev-broker DOWN "$CRM_KAFKA_BROKERS"
    rc=1
  fi
  local rport=${CRM_REDIS_URL##*:}
  if alive redis && [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ]; then
    printf '%-12s %-8s %s\n' redis healthy "$CRM_REDIS_URL"
  else
    printf '%-12s %-8s %s\n' redis DOWN "$CRM_REDIS_URL"
    rc=1
  fi
  local svc
  for svc in "${CRM_SERVICES[@]}"; do
    [ -f "$PIDS/$svc.pid" ] || continue
    local upper var grpc
    upper=$(echo "$svc" | tr '[:lower:]' '[:upper:]')
    var="CRM_${upper}_GRPC"
    grpc=${!var:-}
    if alive "$svc" && "$CRM_BIN/crmctl" health "$grpc" >/dev/null 2>&1; then
      printf '%-12s %-8s grpc %s metrics %s\n' "$svc" healthy "$grpc" "$(eval echo "\${CRM_${upper}_METRICS:-}")"
    else
      printf '%-12s %-8s grpc %s\n' "$svc" DOWN "$grpc"
      rc=1
    fi
  done
  return $rc
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
