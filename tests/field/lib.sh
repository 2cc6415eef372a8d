# Helpers for tests/field/programs/*.sh, sourced by tests/field/run.
# shellcheck shell=bash
#
# A program script defines one function, field_start, which
#   - checks its binaries with field_require (exit 77 when the package is not there),
#   - starts the program with field_spawn on an ephemeral loopback port (field_port),
#   - waits for it with field_wait_http,
#   - writes the probity configuration to "$FIELD_CONFIG".
# Everything lives in "$FIELD_WORK" (a fresh temporary directory, removed on exit);
# every process started with field_spawn is killed on exit, also on failure.

FIELD_PYTHON=/usr/bin/python3   # Debian's Python, where python3-* packages live (never a pyenv one)
FIELD_PIDS=()

field_log() { printf 'field[%s]: %s\n' "$FIELD_PROGRAM" "$*" >&2; }

# field_skip WHY: the program cannot be run here (package not installable); ctest reports SKIP.
field_skip() {
  printf 'SKIP: %s\n' "$*"
  exit 77
}

# field_fail WHY: the harness itself could not do its job (program did not start, …).
field_fail() {
  printf 'FAIL: %s\n' "$*"
  exit 1
}

# field_port: a free TCP port on 127.0.0.1, chosen by the kernel (bind to port 0).
field_port() {
  "$FIELD_PYTHON" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# field_require EXECUTABLE PACKAGE: the executable must exist. When it does not, and we are root
# with apt-get, the Debian package is installed (bounded); only when that is impossible the test
# is skipped (exit 77) with the reason.
field_require() {
  local exe=$1 pkg=$2
  [[ -x $exe ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    field_log "$exe missing: installing Debian package $pkg"
    if DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends "$pkg" \
        >"$FIELD_WORK/apt-$pkg.log" 2>&1 && [[ -x $exe ]]; then
      return 0
    fi
    field_skip "$exe not found and Debian package $pkg could not be installed: $(tail -n 1 "$FIELD_WORK/apt-$pkg.log")"
  fi
  field_skip "$exe not found: install Debian package $pkg (scripts/common.sh lists it)"
}

# field_require_python_module MODULE PACKAGE: same for a module of Debian's Python.
field_require_python_module() {
  local mod=$1 pkg=$2
  "$FIELD_PYTHON" -c "import $mod" 2>/dev/null && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    field_log "python module $mod missing: installing Debian package $pkg"
    if DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends "$pkg" \
        >"$FIELD_WORK/apt-$pkg.log" 2>&1 && "$FIELD_PYTHON" -c "import $mod" 2>/dev/null; then
      return 0
    fi
  fi
  field_skip "$FIELD_PYTHON cannot import $mod: install Debian package $pkg"
}

# field_spawn NAME COMMAND...: start COMMAND in its own process group, stdout to
# $FIELD_WORK/NAME.out and stderr to $FIELD_WORK/NAME.err. Killed (whole group) on exit.
field_spawn() {
  local name=$1
  shift
  setsid "$@" >"$FIELD_WORK/$name.out" 2>"$FIELD_WORK/$name.err" </dev/null &
  FIELD_PIDS+=("$!")
  FIELD_LAST_PID=$!
}

# field_wait_http URL [CODES] [SECONDS]: poll URL (at most every 0.2 s, up to SECONDS, default 15)
# until it answers with a status matching the regex CODES (default 2xx). Fails with the last
# answer and the tails of the program's output when it never does, or when the program died.
field_wait_http() {
  local url=$1 codes=${2:-2[0-9][0-9]} seconds=${3:-15}
  local deadline=$((SECONDS + seconds)) code=000
  while ((SECONDS < deadline)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url" || true)
    [[ $code =~ ^($codes)$ ]] && return 0
    if [[ -n ${FIELD_LAST_PID:-} ]] && ! kill -0 "$FIELD_LAST_PID" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  local f
  for f in "$FIELD_WORK"/*.out "$FIELD_WORK"/*.err; do
    [[ -s $f ]] && { echo "--- tail of ${f##*/}:"; tail -n 15 "$f"; }
  done
  if ((${FIELD_ATTEMPT:-2} < 2)) && grep -qi 'address already in use' "$FIELD_WORK"/*.out "$FIELD_WORK"/*.err 2>/dev/null; then
    echo "FAIL: $FIELD_PROGRAM could not bind its port (address already in use)"
    exit 75
  fi
  field_fail "$FIELD_PROGRAM did not answer $url with $codes within ${seconds}s (last status $code)"
}

# field_wait_file FILE [SECONDS]: wait until FILE exists and is not empty.
field_wait_file() {
  local file=$1 seconds=${2:-10}
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    [[ -s $file ]] && return 0
    sleep 0.2
  done
  field_fail "$file was not written within ${seconds}s"
}

# Kill every process started by field_spawn: TERM to its group, then KILL after 3 s.
field_cleanup() {
  local pid
  for pid in "${FIELD_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${FIELD_PIDS[@]}"; do
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  FIELD_PIDS=()
}
