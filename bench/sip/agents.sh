#!/usr/bin/env bash
# SIPp benchmark: server CPU for callers waiting on music on hold against the number of
# agents in their queue (issue 5: "CPU for waiting callers that does not grow with the
# number of agents"; app_queue's grows with waiters x members). Loopback only, bounded,
# not part of the test run.
#
# For each agent count N: a fresh release `switchyard serve` with one queue (hold, 801)
# whose N members are logged in and paused over the REST API (so none can take a call);
# the server's CPU (utime+stime, /proc/<pid>/stat) over 10 s idle, then `callers` SIPp
# callers (ramped at 100/s) wait on music on hold for `hold_secs` and the server's CPU is
# taken over 10 s while all of them wait. Printed per N: idle CPU, CPU while holding,
# and CPU per waiting caller per second (holding minus idle, divided by callers and 10 s).
# Checks that all callers were in the queue and none was offered to an agent.
# Usage: bench/sip/agents.sh [callers=200] [hold_secs=25] [agent counts="10 100 1000"]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sip="$root/sip-tests"
callers="${1:-200}" hold="${2:-25}" counts="${3:-10 100 1000}"
command -v sipp >/dev/null || { echo "bench: sipp is not installed (apt-get install -y sip-tester)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench: jq is not installed (apt-get install -y jq)" >&2; exit 1; }
[ "$hold" -ge $((callers / 100 + 15)) ] || { echo "bench: hold_secs must cover the ramp-up and the 10 s sample" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
[ -n "${BIN:-}" ] || (cd "$root" && cargo build -q --release -p switchyard-server)
w="$(mktemp -d)"
cd "$root" # the server finds sounds/ here
echo "bench: work dir $w"
ulimit -n 65536 2>/dev/null || true
hz="$(getconf CLK_TCK)"
token=bench-admin-token-0000
server=""
pids=()
cleanup() { for p in "${pids[@]}" $server; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# Callers send no RTP (the sampled figure is the server's MOH and queueing only).
sed -e '/<nop>/,/<\/nop>/d' "$sip/queue_caller.xml" >"$w/holder.xml"

run_one() { # agents
  local n="$1" d="$w/agents-$1"
  mkdir -p "$d"
  {
    echo '[[tenants]]'; echo 'name = "bench"'
    echo '[[tenants.queues]]'; echo 'name = "hold"'; echo 'numbers = ["801"]'
    for i in $(seq "$n"); do
      u=$((10000 + i))
      printf '[[tenants.agents]]\nname = "a%s"\nsip_username = "%s"\nsip_password = "bench-pw-%s"\nqueues = [{ queue = "hold", penalty = 0 }]\n' "$u" "$u" "$(echo "$u" | tr 0-9 a-j)"
    done
  } >"$d/voice.toml"
  "${BIN:-$CARGO_TARGET_DIR/release/switchyard}" serve --data-dir "$d" --config "$d/voice.toml" \
    --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 --admin-token "$token" \
    --sip-algorithms MD5,SHA-256 --sip-qualify-secs 0 >"$d/server.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do grep -q '^  SIP  ' "$d/server.log" && break; sleep 0.1; done
  local port http
  port="$(sed -n 's/^  SIP *[0-9.]*:\([0-9]*\) .*/\1/p' "$d/server.log")"
  http="$(sed 's/\x1b\[[0-9;]*m//g' "$d/server.log" | grep -o 'http://127.0.0.1:[0-9]*' | head -1)"
  [ -n "$port" ] && [ -n "$http" ] || { echo "bench: switchyard did not start" >&2; cat "$d/server.log" >&2; exit 1; }
  local api="$http/api/v1" auth="Authorization: Bearer $token"
  local tenant
  tenant="$(curl -sf -H "$auth" "$api/tenants" | jq -r '.items[] | select(.name == "bench") | .id')"
  # Every agent of the tenant (1000 per page), logged in (reachable) and paused.
  : >"$d/ids"
  local off=0
  while :; do
    curl -sf -H "$auth" "$api/tenants/$tenant/agents?limit=1000&offset=$off" | jq -r '.items[].id' >"$d/page"
    [ -s "$d/page" ] || break
    cat "$d/page" >>"$d/ids"
    off=$((off + 1000))
  done
  [ "$(wc -l <"$d/ids")" -eq "$n" ] || { echo "bench: $(wc -l <"$d/ids") agents listed, $n expected" >&2; exit 1; }
  sed "s|.*|$api/tenants/$tenant/agents/&/login|" "$d/ids" | xargs -n 200 curl -sf -X POST -H "$auth" >/dev/null
  sed "s|.*|$api/tenants/$tenant/agents/&/pause|" "$d/ids" | xargs -n 200 curl -sf -X POST -H "$auth" \
    -H 'Content-Type: application/json' -d '{"reason": "bench"}' >/dev/null
  local paused
  paused="$(curl -sf -H "$auth" "$api/tenants/$tenant/live/agents" | jq '[.[] | select(.logged_in and .paused_all != null)] | length')"
  cpu() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
  sleep 2
  local i0 i1 h0 h1 waiting offered
  i0="$(cpu)"; sleep 10; i1="$(cpu)"
  sipp "127.0.0.1:$port" -sf "$w/holder.xml" -s 801 -d "${hold}000" -t u1 -i 127.0.0.1 -mp 18700 \
    -r 100 -l "$callers" -m "$callers" -timeout $((hold + 60))s -nostdin >"$d/callers.out" 2>&1 &
  local sp=$!
  pids+=("$sp")
  sleep $((callers / 100 + 3))
  waiting="$(grep -c '|hold|NONE|ENTERQUEUE|' "$d/queue_log" || true)"
  h0="$(cpu)"; sleep 10; h1="$(cpu)"
  wait "$sp" || echo "bench: caller sipp exit $? (see $d/callers.out)"
  offered="$(grep -c '|hold|a[0-9]*|\(RINGNOANSWER\|CONNECT\|RINGCANCELED\)|' "$d/queue_log" || true)"
  awk -v n="$n" -v c="$callers" -v w="$waiting" -v p="$paused" -v o="$offered" -v i0="$i0" -v i1="$i1" \
    -v h0="$h0" -v h1="$h1" -v hz="$hz" 'BEGIN {
    idle = (i1 - i0) / hz / 10; held = (h1 - h0) / hz / 10
    printf "%5d agents (%d paused, %d offers): %d callers waiting | idle %.2f%% of a core | holding %.1f%% | %.4f ms CPU per waiting caller per second (%.4f with idle)\n",
      n, p, o, w, idle * 100, held * 100, (held - idle) * 1000 / c, held * 1000 / c }' | tee -a "$w/summary.txt"
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
}

echo "bench: $callers callers on music on hold for $hold s, CPU sampled over 10 s (clock tick $hz Hz)"
for n in $counts; do run_one "$n"; done
