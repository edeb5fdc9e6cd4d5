# Shared by the deploy/local scripts. Source it; do not run it.
set -euo pipefail

CRM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CRM_BUILD_DIR="${CRM_BUILD_DIR:-$CRM_ROOT/build}"
CRM_RUN_DIR="${CRM_RUN_DIR:-$CRM_ROOT/deploy/local/run}"
CRM_BIN="$CRM_BUILD_DIR/bin"
# Services in pipeline order; stack.sh starts those whose binary exists.
CRM_SERVICES=(ingest dedup scoring lifecycle campaign)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# die_log LOG MESSAGE: dies with the log's last lines on stderr (a test's
# run directory may be gone by the time someone reads the log).
die_log() {
  local log=$1
  shift
  printf 'error: %s\n' "$*" >&2
  [ -f "$log" ] && { printf -- '--- last lines of %s:\n' "$log" >&2; tail -n 20 "$log" >&2; }
  exit 1
}

# Debian packages the project needs to build, test and run locally.
CRM_PACKAGES=(
  build-essential cmake pkg-config ccache git python3 bc
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librdkafka-dev libhiredis-dev libyaml-cpp-dev libabsl-dev libjemalloc-dev
  libicu-dev libphonenumber-dev libsimdjson-dev libssl-dev libxgboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools kcat
  clang libclang-rt-dev python3-aiosmtpd
)

# Installs whatever is missing (idempotent). As root it runs apt-get; as
# another user it prints the command and fails.
install_deps() {
  local missing=()
  for p in "${CRM_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]}
run as root: apt-get update && apt-get install -y ${missing[*]}"
  fi
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures (once) and builds everything with two jobs; prints each
# finished target as progress and the errors if the build fails.
build_all() {
  if [ ! -f "$CRM_BUILD_DIR/CMakeCache.txt" ]; then
    say "configuring build in $CRM_BUILD_DIR"
    cmake -S "$CRM_ROOT" -B "$CRM_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  say "building in $CRM_BUILD_DIR (make -j2, ccache)"
  local log="$CRM_BUILD_DIR/build.log"
  set +o pipefail
  cmake --build "$CRM_BUILD_DIR" -j2 2>&1 | tee "$log" | grep --line-buffered "Built target" | sed 's/^/    /' >&2
  local rc=${PIPESTATUS[0]}
  set -o pipefail
  if [ "$rc" -ne 0 ]; then
    grep -E "error" "$log" | head -40 >&2 || true
    die "build failed (full log: $log)"
  fi
}

# A TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      return 1
    fi
    sleep 0.1
  done
}
