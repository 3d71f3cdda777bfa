#!/usr/bin/env bash
# SIPp benchmark of the `switchyard` binary's voice edge (issue 5), loopback only, bounded.
# Not part of the test run. Prints:
#   1. calls/s set up through a queue to SIPp agents, and server CPU time per queued call
#      (utime+stime from /proc/<pid>/stat before/after, divided by the calls connected);
#   2. time from an agent becoming free (its phone's BYE) to the server's next INVITE to it;
#   3. concurrent callers held on music on hold, the server's CPU for them, and the MOH
#      packets each received per second (from the server's per-call RTP counters), and the
#      jitter of the MOH stream at 10 more callers whose RTP goes to jitter.py.
# Usage: bench/sip/run.sh [calls=1000] [rate=100] [agents=50] [moh_callers=500] [moh_secs=20]
# Optional: SERVER_CPUS=1 SIPP_CPUS=0 pin the server and the SIPp processes to separate
# CPUs (taskset), so SIPp's load does not preempt the server (steadier figures on 2 cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sip="$root/sip-tests"
calls="${1:-1000}" rate="${2:-100}" agents="${3:-50}" moh="${4:-500}" moh_secs="${5:-20}"
command -v sipp >/dev/null || { echo "bench: sipp is not installed (apt-get install -y sip-tester)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build -q --release -p switchyard-server)
w="$(mktemp -d)"
cd "$root" # the server finds sounds/ here
echo "bench: work dir $w"
ulimit -n 65536 2>/dev/null || true

# Config: queue bench (800) served by $agents agents, queue latency (802) by one agent,
# queue hold (801) by nobody (callers stay on music on hold). No wrap-up.
{
  echo '[[tenants]]'; echo 'name = "bench"'
  echo '[[tenants.queues]]'; echo 'name = "bench"'; echo 'numbers = ["800"]'
  echo 'settings = { strategy = "longest_idle", wrap_up_secs = 0, ring_timeout_secs = 15 }'
  echo '[[tenants.queues]]'; echo 'name = "hold"'; echo 'numbers = ["801"]'
  echo '[[tenants.queues]]'; echo 'name = "latency"'; echo 'numbers = ["802"]'
  echo 'settings = { wrap_up_secs = 0 }'
  for i in $(seq "$agents"); do
    u=$((3000 + i))
    printf '[[tenants.agents]]\nname = "a%s"\nsip_username = "%s"\nsip_password = "bench-pw-%s"\nqueues = [{ queue = "bench", penalty = 0 }]\n' "$u" "$u" "$(echo "$u" | tr 0-9 a-j)"
  done
  printf '[[tenants.agents]]\nname = "lat"\nsip_username = "3999"\nsip_password = "bench-pw-djjj"\nqueues = [{ queue = "latency", penalty = 0 }]\n'
} >"$w/voice.toml"

${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$CARGO_TARGET_DIR/release/switchyard" serve --data-dir "$w" --config "$w/voice.toml" \
  --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 --admin-token bench-admin-token-0000 \
  --sip-algorithms MD5,SHA-256 --sip-qualify-secs 0 --sip-trunks-in 127.0.0.1 >"$w/server.log" 2>&1 &
server=$!
pids=()
cleanup() { for p in "${pids[@]}" "$server"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^  SIP  ' "$w/server.log" && break; sleep 0.1; done
port="$(sed -n 's/^  SIP *[0-9.]*:\([0-9]*\) .*/\1/p' "$w/server.log")"
[ -n "$port" ] || { echo "bench: switchyard did not start" >&2; cat "$w/server.log" >&2; exit 1; }
cpu() { awk '{ print $14 + $15 }' "/proc/$server/stat"; } # clock ticks
sys_ticks() { awk '{ print $15 }' "/proc/$server/stat"; }
hz="$(getconf CLK_TCK)"

# Scenarios from sip-tests: agents answer and hang up after $talk ms; callers send no RTP
# and take the server's BYE.
talk=100
sed -e "s/<pause milliseconds=\"1500\"\/>/<pause milliseconds=\"$talk\"\/>/" "$sip/queue_agent_hangup.xml" >"$w/agent.xml"
sed -e '/<nop>/,/<\/nop>/d' "$sip/queue_caller_hungup.xml" >"$w/caller.xml"
sed -e '/<nop>/,/<\/nop>/d' "$sip/queue_caller.xml" >"$w/holder.xml"
register() { # user port
  sed -e "s/1001@/$1@/g" -e "s/:15081>/:$2>/g" -e "s/username=1001 password=sip-pw-baab/username=$1 password=bench-pw-$(echo "$1" | tr 0-9 a-j)/" \
    -e 's/Expires: 120/Expires: 3600/' "$sip/queue_agent_register.xml" >"$w/reg-$1.xml"
  ${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/reg-$1.xml" -t u1 -i 127.0.0.1 -m 1 -timeout 10s -timeout_error -nostdin \
    >/dev/null 2>&1 || { echo "bench: agent $1 did not register" >&2; exit 1; }
}

# --- 1. calls per second and CPU per queued call ----------------------------------------
${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/agent.xml" -t u1 -i 127.0.0.1 -p 15400 -mp 19000 -m "$calls" \
  -timeout 60s -nostdin >"$w/agents.out" 2>&1 &
agents_pid=$!; pids+=("$agents_pid")
for i in $(seq "$agents"); do register $((3000 + i)) 15400; done
sleep 1
c0="$(cpu)"; k0="$(sys_ticks)"; t0="$(date +%s.%N)"
${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/caller.xml" -s 800 -t u1 -i 127.0.0.1 -mp 20000 -r "$rate" -m "$calls" \
  -timeout 120s -nostdin >"$w/callers.out" 2>&1 || echo "bench: caller sipp exit $? (see $w/callers.out)"
t1="$(date +%s.%N)"
sleep 1
c1="$(cpu)"; k1="$(sys_ticks)"
wait "$agents_pid" || echo "bench: agent sipp exit $?"
connected="$(grep -c '|bench|a[0-9]*|CONNECT|' "$w/queue_log" || true)"
completed="$(grep -c '|bench|a[0-9]*|COMPLETEAGENT|' "$w/queue_log" || true)"
abandoned="$(grep -c '|bench|NONE|ABANDON|' "$w/queue_log" || true)"
awk -v n="$connected" -v c="$completed" -v a="$abandoned" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v k0="$k0" -v k1="$k1" -v hz="$hz" \
  -v r="$rate" -v m="$calls" -v ag="$agents" -v talk="$talk" 'BEGIN {
  printf "1. queued calls: %d offered at %d/s to %d SIPp agents (talk %d ms): %d connected, %d completed, %d abandoned\n", m, r, ag, talk, n, c, a
  printf "   %.1f calls/s connected (wall %.2f s for the whole run)\n", n / (t1 - t0), t1 - t0
  printf "   server CPU %.2f s in all = %.3f ms per queued call (clock tick %d Hz; %.0f%% of it in the kernel)\n", (c1 - c0) / hz, (c1 - c0) / hz * 1000 / n, hz, (c1 > c0) ? 100 * (k1 - k0) / (c1 - c0) : 0 }'

# --- 2. agent free -> INVITE ----------------------------------------------------------------
lat_n=10
${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/agent.xml" -t u1 -i 127.0.0.1 -p 15401 -mp 19100 -m "$lat_n" \
  -timeout 60s -nostdin -trace_msg -message_file "$w/lat_msgs.log" >"$w/lat_agent.out" 2>&1 &
lat_pid=$!; pids+=("$lat_pid")
sleep 0.5
register 3999 15401
${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/caller.xml" -s 802 -t u1 -i 127.0.0.1 -mp 20500 -r 50 -m "$lat_n" \
  -timeout 60s -nostdin >"$w/lat_callers.out" 2>&1 || echo "bench: latency caller sipp exit $?"
wait "$lat_pid" || echo "bench: latency agent sipp exit $?"
# SIPp's message log: a "----- <date> <time>" line, then "UDP message sent/received", then
# a blank line, then the first line of the message. BYE sent -> the next INVITE received, in microseconds.
awk '/^-{10,}/ { split($3, t, ":"); ts = t[1] * 3600 + t[2] * 60 + t[3]; next } NF == 0 { next }
  /message sent/ { dir = "s"; next } /message received/ { dir = "r"; next }
  dir != "" { if (dir == "s" && $1 == "BYE") bye = ts; else if (dir == "r" && $1 == "INVITE" && bye) { d = (ts - bye) * 1000; s += d; n++; if (d > mx) mx = d; bye = 0 }; dir = "" }
  END { if (n) printf "2. agent free (its BYE sent) -> next INVITE received: mean %.2f ms, max %.2f ms over %d hand-overs\n", s / n, mx, n;
        else print "2. agent free -> INVITE: no hand-over measured" }' "$w/lat_msgs.log"

# --- 3. concurrent callers on music on hold -------------------------------------------------
before="$(sed 's/\x1b\[[0-9;]*m//g' "$w/server.log" | grep -c 'voice media ended' || true)"
${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/holder.xml" -s 801 -d "${moh_secs}000" -t u1 -i 127.0.0.1 -mp 21000 \
  -r 200 -l "$moh" -m "$moh" -timeout $((moh_secs + 60))s -nostdin >"$w/moh.out" 2>&1 &
moh_pid=$!; pids+=("$moh_pid")
sleep $((moh / 200 + 3))
# Jitter: 10 more callers whose SDP points at jitter.py, sampled while the others are held.
sed -e 's/m=audio \[media_port\] RTP/m=audio 22000 RTP/' "$w/holder.xml" >"$w/sampled.xml"
python3 "$here/jitter.py" 22000 $((moh_secs + 1)) >"$w/jitter.txt" 2>&1 &
jit_pid=$!; pids+=("$jit_pid")
${SIPP_CPUS:+taskset -c "$SIPP_CPUS"} sipp "127.0.0.1:$port" -sf "$w/sampled.xml" -s 801 -d "${moh_secs}000" -t u1 -i 127.0.0.1 -mp 23000 \
  -r 50 -m 10 -timeout $((moh_secs + 60))s -nostdin >"$w/sampled.out" 2>&1 &
sampled_pid=$!; pids+=("$sampled_pid")
waiting="$(grep -c '|hold|NONE|ENTERQUEUE|' "$w/queue_log" || true)"
h0="$(cpu)"; sleep 10; h1="$(cpu)"
wait "$jit_pid" || echo "bench: jitter.py exit $?"
wait "$moh_pid" || echo "bench: MOH caller sipp exit $?"
wait "$sampled_pid" || echo "bench: sampled caller sipp exit $?"
sleep 1
sed 's/\x1b\[[0-9;]*m//g' "$w/server.log" | grep 'voice media ended' | tail -n +"$((before + 1))" \
  | sed -n 's/.* caller_out=\([0-9]*\).*/\1/p' >"$w/moh_out.txt"
awk -v moh="$moh" -v w="$waiting" -v secs="$moh_secs" -v h0="$h0" -v h1="$h1" -v hz="$hz" '
  { n++; s += $1; if (min == "" || $1 < min) min = $1 }
  END { printf "3. music on hold: %d callers held at once, +10 sampled for jitter (%d in the queue after ramp-up), %d s each\n", moh, w, secs
        printf "   server CPU while holding: %.1f%% of one core (%.3f ms CPU per caller per second)\n", (h1 - h0) / hz * 10, (h1 - h0) / hz * 1000 / 10 / moh
        printf "   MOH packets per caller: mean %.1f/s, lowest %.1f/s over %d calls (50/s expected)\n", s / n / secs, min / secs, n }' "$w/moh_out.txt"
cat "$w/jitter.txt"
