# Shared plumbing for the sip-tests suites (suite_*.sh): start a `switchyard serve` on a
# temporary data directory with a given config, then check SIPp exit codes, queue_log
# lines and server log lines. Source it from a suite; call `finish` at the end.
#   . "$(dirname "$0")/lib.sh"
#   start_server <<'TOML' ... TOML          # sets $data $port $http $qlog $server
#   sipp_case name scenario.xml [sipp args] # one SIPp run, exit status checked
#   expect_qlog 'pattern' "description"
#   finish                                   # exits 1 if anything failed
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
suite="$(basename "$0" .sh)"
logs="$(mktemp -d -t "sy-$suite-XXXX")"
failures=0
run=0
pids=()
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
command -v sipp >/dev/null || { echo "$suite: sipp is not installed (apt-get install -y sip-tester)" >&2; exit 1; }

cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }

# Reads a config TOML on stdin; starts the server with it. Extra args go to `serve`.
start_server() {
  data="$logs/data"
  mkdir -p "$data"
  cat >"$data/config.toml"
  (cd "$root" && cargo build -q -p switchyard-server)
  (cd "$root" && RUST_LOG="${RUST_LOG:-info,sqlx=warn}" exec "$CARGO_TARGET_DIR/debug/switchyard" serve \
    --data-dir "$data" --config "$data/config.toml" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 \
    --admin-token sip-tests-admin-token --sip-algorithms MD5,SHA-256 --sip-qualify-secs 0 \
    --sip-trunks-in "${SIP_TRUNKS_IN-127.0.0.1}" "$@" \
    >"$logs/server.log" 2>&1) &
  server=$!
  pids+=("$server")
  for _ in $(seq 150); do grep -q '^  SIP  ' "$logs/server.log" 2>/dev/null && break; sleep 0.1; done
  port="$(sed -n 's/^  SIP *[0-9.]*:\([0-9]*\) .*/\1/p' "$logs/server.log")"
  http="$(sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log" | grep -o 'http://127.0.0.1:[0-9]*' | head -1)"
  if [ -z "$port" ]; then echo "FAIL $suite: switchyard did not start" >&2; cat "$logs/server.log" >&2; exit 1; fi
  qlog="$data/queue_log"
  ok "$suite: switchyard serving SIP on 127.0.0.1:$port, HTTP on $http"
}

# Waits up to 3 s for a line matching the pattern.
expect_qlog() { # pattern description
  for _ in $(seq 30); do grep -q -- "$1" "$qlog" 2>/dev/null && break; sleep 0.1; done
  if grep -q -- "$1" "$qlog" 2>/dev/null; then ok "$2"; else fail "$2: '$1' not in queue_log"; fi
}
server_log() { sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log"; }
# (grep without -q: an early exit would SIGPIPE sed, which pipefail reports as no match.)
expect_server() { # pattern description
  for _ in $(seq 30); do server_log | grep -- "$1" >/dev/null && break; sleep 0.1; done
  if server_log | grep -- "$1" >/dev/null; then ok "$2"; else fail "$2: '$1' not in the server log"; fi
}

# One SIPp run in the foreground against the server: name scenario [sipp args...]
sipp_case() {
  local name="$1" sf="$2"; shift 2
  run=$((run + 1))
  if sipp "127.0.0.1:$port" -sf "$sf" -t u1 -i 127.0.0.1 -m 1 -timeout 30s -timeout_error -nostdin \
      -trace_err -error_file "$logs/$run-$name.err" "$@" >"$logs/$run-$name.out" 2>&1; then ok "$name"
  else fail "$name: sipp exit $?; see $logs"; cat "$logs/$run-$name.err" >&2 2>/dev/null || true; fi
}
# The same in the background; its pid is in $bg. Check it later with `wait_case name $bg`.
sipp_bg() {
  local name="$1" sf="$2"; shift 2
  sipp "127.0.0.1:$port" -sf "$sf" -t u1 -i 127.0.0.1 -m 1 -timeout 30s -timeout_error -nostdin \
    -trace_err -error_file "$logs/$name.err" "$@" >"$logs/$name.out" 2>&1 &
  bg=$!
  pids+=("$bg")
}
wait_case() { # name pid
  if wait "$2"; then ok "$1"; else fail "$1: sipp exit $?; see $logs"; cat "$logs/$1.err" >&2 2>/dev/null || true; fi
}

# Registers SIP user $1 (password sip-pw-<$1 with digits as letters a-j: 1001 -> baab;
# the password policy refuses passwords containing the user name) with its Contact on port $2.
register_agent() {
  local sf="$logs/register_$1.xml"
  sed -e "s/1001@/$1@/g" -e "s/:15081>/:$2>/g" -e "s/username=1001 password=sip-pw-baab/username=$1 password=sip-pw-$(echo "$1" | tr 0-9 a-j)/" \
    "$here/queue_agent_register.xml" >"$sf"
  sipp_case "agent $1 registers" "$sf"
}

# REST as the admin: api METHOD PATH [curl args...]
api() { local m="$1" p="$2"; shift 2; curl -sS -X "$m" -H "Authorization: Bearer sip-tests-admin-token" "$http$p" "$@"; }

finish() {
  if [ "$failures" -ne 0 ]; then echo "$suite: $failures failure(s); logs in $logs" >&2; exit 1; fi
  echo "$suite: all passed"
  cleanup # stop the server first: it may still be writing under $logs
  rm -rf "$logs"
}
