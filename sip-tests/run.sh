#!/usr/bin/env bash
# Runs the SIPp scenarios in this directory on 127.0.0.1: first against the SIP core's
# standalone registrar (crates/sip/examples/registrar.rs), over UDP and TCP, checking
# SIPp's exit status and the registrar's event log; then phone calls through queues
# against the real `switchyard` binary, checking its queue_log and RTP counters.
# Exits non-zero on any failure; never skips.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
port="${SIP_TEST_PORT:-0}" # 0: the registrar picks a free port and prints it
logs="$(mktemp -d)"

if ! command -v sipp >/dev/null; then
  echo "sip-tests: sipp is not installed (Debian: apt-get install -y sip-tester)" >&2
  exit 1
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build -q -p switchyard-sip --example registrar)
# SIPp 3.6.1 answers the first WWW-Authenticate and only knows MD5, so MD5 is offered first
# here; the server's default is SHA-256 first (RFC 8760), covered by the Rust tests.
"$CARGO_TARGET_DIR/debug/examples/registrar" --listen "127.0.0.1:$port" --realm switchyard.test \
  --algorithms MD5,SHA-256 --rate-limit 100,200 --answer-calls true --lockout 3,1 \
  --user 1001:secret:1 --user 2001:agentpw:2 --call-agent 2001 >"$logs/registrar.log" 2>&1 &
registrar=$!
trap 'kill "$registrar" 2>/dev/null || true; wait "$registrar" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^listening' "$logs/registrar.log" && break; sleep 0.1; done
grep -q '^listening' "$logs/registrar.log" || { echo "registrar did not start" >&2; cat "$logs/registrar.log" >&2; exit 1; }
port="$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$logs/registrar.log")"

failures=0
run=0
scenario() { # name transport(u1|t1)
  local name="$1" transport="$2"
  run=$((run + 1))
  local out="$logs/$run-$name-$transport"
  if sipp "127.0.0.1:$port" -sf "$here/$name.xml" -t "$transport" -i 127.0.0.1 -m 1 \
      -timeout 20s -timeout_error -nostdin -trace_err -error_file "$out.err" >"$out.out" 2>&1; then
    echo "ok   $name ($transport)"
  else
    echo "FAIL $name ($transport): sipp exit $?; see $logs" >&2
    cat "$out.err" >&2 2>/dev/null || true
    failures=$((failures + 1))
  fi
}
expect_log() { # pattern description (the registrar logs events just after replying)
  for _ in $(seq 30); do grep -q "$1" "$logs/registrar.log" && break; sleep 0.1; done
  if grep -q "$1" "$logs/registrar.log"; then echo "ok   $2"; else
    echo "FAIL $2: '$1' not in the registrar log" >&2; failures=$((failures + 1)); fi
}

scenario options u1
scenario options t1
scenario malformed u1
scenario register_auth u1
expect_log 'reachable agent=a1 true' "agent 1 reachable after REGISTER"
scenario unregister u1
expect_log 'reachable agent=a1 false' "agent 1 unreachable after REGISTER *"
scenario register_wrong_password u1
sleep 1.1 # the registrar locked 1001 for 1 s after the third wrong answer
scenario register_auth t1

# Calls (the example answers sip:answer@, rings sip:ring@ forever, refuses non-G.711).
scenario call_answered u1
expect_log 'Confirmed' "answered call confirmed by the caller's ACK"
expect_log 'Ended(RemoteHangup)' "caller's BYE ends the call"
scenario call_answered t1
scenario call_abandoned u1
expect_log 'Ended(Cancelled)' "CANCEL while ringing is an abandon"
scenario call_no_codec u1
expect_log 'Ended(Rejected)' "no common codec: rejected"

# The agent leg: agent 2001 registers (Contact port 15071); the server calls it there;
# a SIPp UAS on 15071 rings, answers and takes the server's BYE.
sipp "127.0.0.1:$port" -sf "$here/agent_answer.xml" -t u1 -i 127.0.0.1 -p 15071 -m 1 \
  -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/agent_answer.err" \
  >"$logs/agent_answer.out" 2>&1 &
agent=$!
sleep 0.5
scenario agent_register u1
if wait "$agent"; then echo "ok   agent_answer (u1)"; else
  echo "FAIL agent_answer (u1); see $logs" >&2; cat "$logs/agent_answer.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
expect_log 'outgoing c[0-9]* Ringing' "agent's phone rings"
expect_log 'outgoing c[0-9]* Answered' "agent answers"
expect_log 'outgoing c[0-9]* Ended(LocalHangup)' "server hangs up the agent leg"

# Flood: 1000 OPTIONS/s from 127.0.0.2 (limit 100/s, burst 200). The flooder is cut off
# (its own calls fail, so its exit status is not checked) while a phone on 127.0.0.1
# registers normally during the flood.
sipp "127.0.0.1:$port" -sf "$here/options.xml" -t u1 -i 127.0.0.2 -r 1000 -m 3000 \
  -timeout 6s -nostdin >"$logs/flood.out" 2>&1 &
flood=$!
sleep 1
scenario register_auth u1
wait "$flood" || true
expect_log 'rate-limited from=127.0.0.2' "flooding source rate-limited"
if grep -q 'rate-limited from=127.0.0.1' "$logs/registrar.log"; then
  echo "FAIL the well-behaved source was rate-limited" >&2; failures=$((failures + 1))
else echo "ok   well-behaved source not limited"; fi

# ---------------------------------------------------------------------------------------
# Phone calls through the real `switchyard` binary (crates/voice): a temporary data dir
# configured like the demo (queue sales = 500, agent alice = SIP 1001 / sip-pw-baab), free
# ports, MD5 offered first for SIPp, no OPTIONS qualify (a SIPp phone in server mode
# cannot answer OPTIONS besides its call: it would abort on the probe). Outcomes are checked from SIPp's exit status, the
# server's queue_log and its per-call RTP packet counters ("voice media ended").
kill "$registrar" 2>/dev/null || true
wait "$registrar" 2>/dev/null || true
(cd "$root" && cargo build -q -p switchyard-server)
data="$logs/data"
mkdir -p "$data"
cat >"$data/voice.toml" <<'TOML'
# The demo's sales queue and agent alice; a queue whose callers can leave with key 1
# (RFC 4733 DTMF exit); queues served by a busy phone (bob) and by one nobody answers
# (carol); one whose agent hangs up first (dave); a ringall queue (erin answers, frank's
# phone only rings). (A config file replaces the demo seed.)
[[tenants]]
name = "sip-tests"

[[tenants.queues]]
name = "sales"
numbers = ["500"]
settings = { strategy = "longest_idle", ring_timeout_secs = 15, wrap_up_secs = 10, max_wait_secs = 300 }

[[tenants.queues]]
name = "exit-key"
numbers = ["600"]
settings = { keys = [{ digit = "1", action = { type = "hangup" } }] }

[[tenants.queues]]
name = "busy"
numbers = ["700"]
settings = { ring_timeout_secs = 2 }

[[tenants.queues]]
name = "no-answer"
numbers = ["701"]
settings = { ring_timeout_secs = 2 }

[[tenants.queues]]
name = "agent-hangs-up"
numbers = ["702"]

[[tenants.queues]]
name = "ringall"
numbers = ["703"]
settings = { strategy = "ring_all", ring_timeout_secs = 10 }

[[tenants.agents]]
name = "alice"
sip_username = "1001"
sip_password = "sip-pw-baab"
queues = [{ queue = "sales", penalty = 0 }]

[[tenants.agents]]
name = "bob"
sip_username = "1002"
sip_password = "sip-pw-baac"
queues = [{ queue = "busy", penalty = 0 }]

[[tenants.agents]]
name = "carol"
sip_username = "1003"
sip_password = "sip-pw-baad"
queues = [{ queue = "no-answer", penalty = 0 }]

[[tenants.agents]]
name = "dave"
sip_username = "1004"
sip_password = "sip-pw-baae"
queues = [{ queue = "agent-hangs-up", penalty = 0 }]

[[tenants.agents]]
name = "erin"
sip_username = "1005"
sip_password = "sip-pw-baaf"
queues = [{ queue = "ringall", penalty = 0 }]

[[tenants.agents]]
name = "frank"
sip_username = "1006"
sip_password = "sip-pw-baag"
queues = [{ queue = "ringall", penalty = 0 }]
# lazymembers cascade (sip-tests block 'lazymembers'): ringall over penalty groups; grace
# (penalty 1) never answers, heidi (penalty 2) answers.
[[tenants.queues]]
name = "lazy"
numbers = ["706"]
settings = { strategy = "ring_all", ring_timeout_secs = 2, retry_secs = 1, lazymembers = true }

[[tenants.agents]]
name = "grace"
sip_username = "1007"
sip_password = "sip-pw-baah"
queues = [{ queue = "lazy", penalty = 1 }]

[[tenants.agents]]
name = "heidi"
sip_username = "1008"
sip_password = "sip-pw-baai"
queues = [{ queue = "lazy", penalty = 2 }]
TOML
(cd "$root" && RUST_LOG=info,sqlx=warn exec "$CARGO_TARGET_DIR/debug/switchyard" serve --data-dir "$data" \
  --config "$data/voice.toml" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 \
  --admin-token sip-tests-admin-token --sip-algorithms MD5,SHA-256 --sip-qualify-secs 0 \
  --sip-trunks-in 127.0.0.1 >"$logs/server.log" 2>&1) &
server=$!
trap 'kill "$registrar" "$server" 2>/dev/null || true; wait "$registrar" "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^  SIP  ' "$logs/server.log" && break; sleep 0.1; done
port="$(sed -n 's/^  SIP *[0-9.]*:\([0-9]*\) .*/\1/p' "$logs/server.log")"
if [ -z "$port" ]; then echo "FAIL switchyard did not start" >&2; cat "$logs/server.log" >&2; exit 1; fi
echo "ok   switchyard serving SIP on 127.0.0.1:$port"
qlog="$data/queue_log"
expect_qlog() { # pattern description
  for _ in $(seq 30); do grep -q "$1" "$qlog" 2>/dev/null && break; sleep 0.1; done
  if grep -q "$1" "$qlog" 2>/dev/null; then echo "ok   $2"; else
    echo "FAIL $2: '$1' not in queue_log" >&2; failures=$((failures + 1)); fi
}
expect_server() { # pattern description
  for _ in $(seq 30); do sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log" | grep "$1" >/dev/null && break; sleep 0.1; done
  if sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log" | grep "$1" >/dev/null; then echo "ok   $2"; else
    echo "FAIL $2: '$1' not in the server log" >&2; failures=$((failures + 1)); fi
}
caller() { # name scenario number seconds [extra sipp args...]
  local name="$1" sf="$2" number="$3" secs="$4"; shift 4
  run=$((run + 1))
  if sipp "127.0.0.1:$port" -sf "$here/$sf.xml" -s "$number" -d "${secs}000" -t u1 -i 127.0.0.1 \
      -mp 16000 -m 1 -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/$run-$name.err" \
      "$@" >"$logs/$run-$name.out" 2>&1; then echo "ok   $name"; else
    echo "FAIL $name: sipp exit $?; see $logs" >&2; cat "$logs/$run-$name.err" >&2 2>/dev/null || true
    failures=$((failures + 1)); fi
}

register_agent() { # SIP user, Contact port: queue_agent_register.xml for another agent
  local sf="$logs/queue_agent_register_$1.xml"
  sed -e "s/1001@/$1@/g" -e "s/:15081>/:$2>/g" -e "s/username=1001 password=sip-pw-baab/username=$1 password=sip-pw-$(echo "$1" | tr 0-9 a-j)/" \
    "$here/queue_agent_register.xml" >"$sf"
  run=$((run + 1))
  if sipp "127.0.0.1:$port" -sf "$sf" -t u1 -i 127.0.0.1 -m 1 -timeout 20s -timeout_error -nostdin \
      -trace_err -error_file "$logs/$run-register-$1.err" >"$logs/$run-register-$1.out" 2>&1; then
    echo "ok   agent $1 registers"; else
    echo "FAIL agent $1 registers: sipp exit $?" >&2; failures=$((failures + 1)); fi
}

caller queue_unknown_number queue_unknown_number 999 1
caller queue_no_codec queue_no_codec 500 1

# Alice's phone: one SIPp instance answers on 15081 (echoing RTP), another registers it.
sipp "127.0.0.1:$port" -sf "$here/queue_agent.xml" -t u1 -i 127.0.0.1 -p 15081 -mp 17000 -rtp_echo \
  -m 1 -timeout 30s -timeout_error -nostdin -trace_err -error_file "$logs/queue_agent.err" \
  >"$logs/queue_agent.out" 2>&1 &
agent=$!
sleep 0.5
scenario queue_agent_register u1
expect_server 'SIP agent reachability agent=a1 reachable=true' "alice reachable after REGISTER (MD5 digest)"
expect_qlog '|NONE|NONE|alice|AGENTLOGIN' "registered phone logs alice in"

# A caller with real A-law audio dials 500, is bridged to alice (PCMU: transcoded), talks
# 3 s, hangs up; the server BYEs alice's leg.
caller queue_call_bridged queue_caller 500 3
if wait "$agent"; then echo "ok   queue_agent answered and got the server's BYE"; else
  echo "FAIL queue_agent; see $logs" >&2; cat "$logs/queue_agent.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
expect_qlog '|sales|NONE|ENTERQUEUE||+15550100|voice' "ENTERQUEUE for the caller"
expect_qlog '|sales|alice|CONNECT|' "CONNECT to alice"
expect_qlog '|sales|alice|COMPLETECALLER|' "COMPLETECALLER when the caller hangs up"
# Both directions of the bridge carried RTP: caller -> alice (agent_out), alice's echo
# -> caller (agent_in, and caller_out includes it).
media_line() { sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log" | grep 'voice media ended' | sed -n "${1}p"; }
counter() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
bridged="$(media_line 1)"
if [ "$(echo "$bridged" | counter caller_in)" -gt 50 ] && [ "$(echo "$bridged" | counter agent_out)" -gt 50 ] \
  && [ "$(echo "$bridged" | counter agent_in)" -gt 50 ] && [ "$(echo "$bridged" | counter caller_out)" -gt 50 ]; then
  echo "ok   RTP relayed both ways through the bridge ($bridged)"
else echo "FAIL RTP through the bridge: '$bridged'" >&2; failures=$((failures + 1)); fi

# Alice is in wrap-up (10 s): the next caller waits on music on hold, then hangs up.
caller queue_call_abandoned queue_caller 500 2
expect_qlog '|sales|NONE|ABANDON|' "ABANDON when a waiting caller hangs up"
waited="$(media_line 2)"
if [ "$(echo "$waited" | counter caller_out)" -gt 60 ]; then
  echo "ok   music on hold streamed at 50 packets/s to the waiting caller ($waited)"
else echo "FAIL music on hold: '$waited'" >&2; failures=$((failures + 1)); fi

# DTMF exit: key 1 by RFC 4733 in queue 600 ends the call from the server's side.
caller queue_call_dtmf_exit queue_caller_dtmf 600 1
expect_server 'caller key call=[0-9]* digit=1' "RFC 4733 key 1 received"
expect_qlog '|exit-key|NONE|EXITWITHKEY|1|' "EXITWITHKEY in queue_log"
# The same key by SIP INFO (application/dtmf-relay).
caller queue_call_info_dtmf_exit queue_caller_info_dtmf 600 1
for _ in $(seq 30); do [ "$(grep -c '|exit-key|NONE|EXITWITHKEY|1|' "$qlog")" -ge 2 ] && break; sleep 0.1; done
if [ "$(grep -c '|exit-key|NONE|EXITWITHKEY|1|' "$qlog")" -eq 2 ]; then
  echo "ok   EXITWITHKEY for the key sent by SIP INFO"
else echo "FAIL SIP INFO key: expected a second EXITWITHKEY" >&2; failures=$((failures + 1)); fi

# An agent whose phone answers 486 Busy Here: a reject (RINGNOANSWER), the caller waits.
agent_phone() { # scenario port
  sipp "127.0.0.1:$port" -sf "$here/$1.xml" -t u1 -i 127.0.0.1 -p "$2" -m 1 -timeout 20s \
    -timeout_error -nostdin -trace_err -error_file "$logs/$1.err" >"$logs/$1.out" 2>&1
}
agent_phone queue_agent_busy 15082 &
agent=$!
sleep 0.5
register_agent 1002 15082
caller queue_call_agent_busy queue_caller 700 2
if wait "$agent"; then echo "ok   queue_agent_busy answered 486 and got the ACK"; else
  echo "FAIL queue_agent_busy; see $logs" >&2; failures=$((failures + 1)); fi
expect_server 'agent leg call=[0-9]* event=failed status=486' "486 from bob's phone"
expect_qlog '|busy|bob|RINGNOANSWER|' "RINGNOANSWER for the reject"
expect_qlog '|busy|NONE|ABANDON|' "the caller who then hangs up abandons"

# An agent who does not answer: after the 2 s ring timeout the server CANCELs.
agent_phone queue_agent_no_answer 15083 &
agent=$!
sleep 0.5
register_agent 1003 15083
caller queue_call_agent_no_answer queue_caller 701 4
if wait "$agent"; then echo "ok   queue_agent_no_answer rang, got CANCEL, answered 487, got the ACK"; else
  echo "FAIL queue_agent_no_answer; see $logs" >&2; failures=$((failures + 1)); fi
expect_qlog '|no-answer|carol|RINGNOANSWER|2' "RINGNOANSWER after the ring timeout"
expect_qlog '|no-answer|NONE|ABANDON|' "the caller who then hangs up abandons"

# The agent hangs up first: the server BYEs the caller; COMPLETEAGENT.
sipp "127.0.0.1:$port" -sf "$here/queue_agent_hangup.xml" -t u1 -i 127.0.0.1 -p 15084 -mp 17002 -rtp_echo \
  -m 1 -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/queue_agent_hangup.err" \
  >"$logs/queue_agent_hangup.out" 2>&1 &
agent=$!
sleep 0.5
register_agent 1004 15084
caller queue_call_agent_hangs_up queue_caller_hungup 702 1
if wait "$agent"; then echo "ok   queue_agent_hangup answered, hung up, got 200"; else
  echo "FAIL queue_agent_hangup; see $logs" >&2; cat "$logs/queue_agent_hangup.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
expect_qlog '|agent-hangs-up|dave|CONNECT|' "CONNECT to dave"
expect_qlog '|agent-hangs-up|dave|COMPLETEAGENT|' "COMPLETEAGENT when the agent hangs up"

# Ringall: erin's and frank's phones ring together; erin answers, frank's is CANCELled.
sipp "127.0.0.1:$port" -sf "$here/queue_agent.xml" -t u1 -i 127.0.0.1 -p 15085 -mp 17004 -rtp_echo \
  -m 1 -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/ringall_winner.err" \
  >"$logs/ringall_winner.out" 2>&1 &
winner=$!
agent_phone queue_agent_no_answer 15086 &
loser=$!
sleep 0.5
register_agent 1005 15085
register_agent 1006 15086
caller queue_call_ringall queue_caller 703 2
if wait "$winner"; then echo "ok   ringall: erin answered and got the server's BYE"; else
  echo "FAIL ringall winner; see $logs" >&2; failures=$((failures + 1)); fi
if wait "$loser"; then echo "ok   ringall: frank's phone rang and was CANCELled (487, ACK)"; else
  echo "FAIL ringall loser; see $logs" >&2; cat "$logs/queue_agent_no_answer.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
expect_qlog '|ringall|erin|CONNECT|' "ringall CONNECT to erin"
expect_qlog '|ringall|frank|RINGCANCELED|' "ringall RINGCANCELED for frank"
expect_qlog '|ringall|erin|COMPLETECALLER|' "ringall COMPLETECALLER"

# Skills and priority from the caller, and periodic announcements: a queue created over
# the REST API (number 704, no agents) with a SIP rule "X-Customer-Tier: gold -> priority
# 10 and skill gold" and announce_every_secs = 1. A caller sending that header waits 4 s;
# while it waits the API shows the interaction with priority 10 and skill gold.
api="$(sed -n 's/^  REST API *\(http[^ ]*\)$/\1/p' "$logs/server.log")"
auth="Authorization: Bearer sip-tests-admin-token"
tenant="$(curl -sf -H "$auth" "$api/tenants" | jq -r '.items[] | select(.name == "sip-tests") | .id')"
if curl -sf -H "$auth" -H 'Content-Type: application/json' -X POST "$api/tenants/$tenant/queues" \
    -d '{"name": "tiered", "numbers": ["704"], "settings": {"announce_every_secs": 1,
         "sip_rules": [{"header": "X-Customer-Tier", "equals": "gold", "priority": 10,
                        "skills": [{"skill": "gold"}]}]}}' >"$logs/tiered.json"; then
  echo "ok   queue with SIP rules created over the API"
else echo "FAIL creating the tiered queue" >&2; failures=$((failures + 1)); fi
sed 's/^      Max-Forwards: 70$/&\n      X-Customer-Tier: gold/' "$here/queue_caller.xml" >"$logs/queue_caller_gold.xml"
sipp "127.0.0.1:$port" -sf "$logs/queue_caller_gold.xml" -s 704 -d 4000 -t u1 -i 127.0.0.1 -mp 16100 \
  -m 1 -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/queue_caller_gold.err" \
  >"$logs/queue_caller_gold.out" 2>&1 &
gold=$!
for _ in $(seq 30); do sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log" | grep -q 'caller joined.*number="\?704' && break; sleep 0.1; done
gold_id="$(sed 's/\x1b\[[0-9;]*m//g' "$logs/server.log" | sed -n 's/.*caller joined.* interaction=i\([0-9]*\) number="\?704.*/\1/p' | head -1)"
detail="$(curl -sf -H "$auth" "$api/tenants/$tenant/interactions/$gold_id" || true)"
if [ "$(echo "$detail" | jq -r '.priority')" = 10 ] && [ "$(echo "$detail" | jq -r '[.skills[].skill] | index("gold")')" = 0 ]; then
  echo "ok   X-Customer-Tier: gold joined with priority 10 and skill gold"
else echo "FAIL gold caller: interaction '$gold_id' is '$detail'" >&2; failures=$((failures + 1)); fi
if wait "$gold"; then echo "ok   gold caller waited and hung up"; else
  echo "FAIL gold caller; see $logs" >&2; cat "$logs/queue_caller_gold.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
expect_qlog '|tiered|NONE|ABANDON|' "the gold caller who then hangs up abandons"

# lazymembers cascade: queue lazy (706) is ringall over penalty groups with lazymembers.
# grace (penalty 1) rings past the 2 s ring timeout (CANCEL, 487, ACK): RINGNOANSWER; the
# offer then cascades to heidi (penalty 2), who answers: CONNECT, in that order.
sed 's/1003@/1007@/g' "$here/queue_agent_no_answer.xml" >"$logs/lazy_agent_no_answer.xml"
sipp "127.0.0.1:$port" -sf "$logs/lazy_agent_no_answer.xml" -t u1 -i 127.0.0.1 -p 15087 -m 1 -timeout 20s \
  -timeout_error -nostdin -trace_err -error_file "$logs/lazy_grace.err" >"$logs/lazy_grace.out" 2>&1 &
lazy_first=$!
sipp "127.0.0.1:$port" -sf "$here/queue_agent.xml" -t u1 -i 127.0.0.1 -p 15088 -mp 17006 -rtp_echo \
  -m 1 -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/lazy_heidi.err" \
  >"$logs/lazy_heidi.out" 2>&1 &
lazy_second=$!
sleep 0.5
register_agent 1007 15087
register_agent 1008 15088
run=$((run + 1))
if sipp "127.0.0.1:$port" -sf "$here/queue_caller.xml" -s 706 -d 6000 -t u1 -i 127.0.0.1 -mp 16600 -m 1 \
    -timeout 20s -timeout_error -nostdin -trace_err -error_file "$logs/$run-lazymembers.err" >"$logs/$run-lazymembers.out" 2>&1; then
  echo "ok   queue_call_lazymembers"; else
  echo "FAIL queue_call_lazymembers: sipp exit $?; see $logs" >&2; failures=$((failures + 1)); fi
if wait "$lazy_first"; then echo "ok   lazymembers: grace's phone (penalty 1) rang and was CANCELled (487, ACK)"; else
  echo "FAIL lazymembers penalty-1 phone; see $logs" >&2; cat "$logs/lazy_grace.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
if wait "$lazy_second"; then echo "ok   lazymembers: heidi's phone (penalty 2) answered and got the server's BYE"; else
  echo "FAIL lazymembers penalty-2 phone; see $logs" >&2; cat "$logs/lazy_heidi.err" >&2 2>/dev/null || true
  failures=$((failures + 1)); fi
expect_qlog '|lazy|grace|RINGNOANSWER|2' "lazymembers: RINGNOANSWER for grace (penalty 1)"
expect_qlog '|lazy|heidi|CONNECT|' "lazymembers: CONNECT to heidi (penalty 2)"
lazy_order="$(grep -E '\|lazy\|(grace|heidi)\|(RINGNOANSWER|CONNECT)\|' "$qlog" | cut -d'|' -f4,5 | tr '\n' ' ')"
if [ "$lazy_order" = "grace|RINGNOANSWER heidi|CONNECT " ]; then
  echo "ok   lazymembers order: grace RINGNOANSWER, then heidi CONNECT"
else echo "FAIL lazymembers order: '$lazy_order'" >&2; failures=$((failures + 1)); fi
if grep -q '|lazy|heidi|RINGNOANSWER|\||lazy|grace|CONNECT|' "$qlog"; then
  echo "FAIL lazymembers: unexpected RINGNOANSWER for heidi or CONNECT to grace" >&2; failures=$((failures + 1)); fi
expect_qlog '|lazy|heidi|COMPLETECALLER|' "lazymembers: COMPLETECALLER"

# A real softphone: baresip (Debian baresip-core) registers as agent ivan with an MD5
# digest and auto-answers a SIPp caller (A-law pcap audio). baresip 1.0.0's libre gives up
# (ENOSYS) on any non-MD5 challenge, so this uses a second server offering MD5 only. The
# phone sends a 440 Hz tone (aufile) and records what it hears (sndfile): the recording
# must be non-silent (the caller's audio reached the agent) and the server's counters must
# show the agent's RTP relayed to the caller. Never skipped: without baresip it fails.
if ! command -v baresip >/dev/null || ! command -v sox >/dev/null; then
  echo "FAIL baresip: baresip or sox is not installed (Debian: apt-get install -y baresip-core sox)" >&2
  failures=$((failures + 1))
else
  bs="$logs/baresip"
  mkdir -p "$bs/data" "$bs/conf" "$bs/rec"
  cat >"$bs/data/voice.toml" <<'TOML'
[[tenants]]
name = "sip-tests-baresip"

[[tenants.queues]]
name = "softphone"
numbers = ["705"]

[[tenants.agents]]
name = "ivan"
sip_username = "1009"
sip_password = "sip-pw-baaj"
queues = [{ queue = "softphone", penalty = 0 }]
TOML
  (cd "$root" && RUST_LOG=info,sqlx=warn exec "$CARGO_TARGET_DIR/debug/switchyard" serve --data-dir "$bs/data" \
    --config "$bs/data/voice.toml" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 \
    --admin-token sip-tests-admin-token --sip-algorithms MD5 --sip-qualify-secs 0 \
    --sip-trunks-in 127.0.0.1 >"$bs/server.log" 2>&1) &
  bs_server=$!
  for _ in $(seq 100); do grep -q '^  SIP  ' "$bs/server.log" && break; sleep 0.1; done
  bs_port="$(sed -n 's/^  SIP *[0-9.]*:\([0-9]*\) .*/\1/p' "$bs/server.log")"
  sox -n -r 8000 -c 1 -b 16 "$bs/tone.wav" synth 30 sine 440 vol 0.5
  cat >"$bs/conf/config" <<CONF
poll_method epoll
net_interface 127.0.0.1
sip_listen 127.0.0.1:15190
rtp_ports 18000-18100
audio_source aufile,$bs/tone.wav
audio_alert aufile,$bs/tone.wav
audio_player aufile,$bs/rec/play.wav
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module_app account.so
module_app menu.so
snd_path $bs/rec
CONF
  echo "<sip:1009@127.0.0.1>;auth_pass=sip-pw-baaj;outbound=\"sip:127.0.0.1:$bs_port\";answermode=auto;regint=60;audio_codecs=PCMU,PCMA" \
    >"$bs/conf/accounts"
  touch "$bs/conf/contacts"
  baresip -f "$bs/conf" </dev/null >"$bs/baresip.log" 2>&1 &
  bs_phone=$!
  for _ in $(seq 50); do sed 's/\x1b\[[0-9;]*m//g' "$bs/server.log" | grep -q 'SIP agent reachability agent=a1 reachable=true' && break; sleep 0.1; done
  if sed 's/\x1b\[[0-9;]*m//g' "$bs/server.log" | grep -q 'SIP agent reachability agent=a1 reachable=true'; then
    echo "ok   baresip registers as ivan (MD5 digest)"; else
    echo "FAIL baresip did not register; see $bs" >&2; failures=$((failures + 1)); fi
  run=$((run + 1))
  if sipp "127.0.0.1:$bs_port" -sf "$here/queue_caller.xml" -s 705 -d 4000 -t u1 -i 127.0.0.1 -mp 16500 -m 1 \
      -timeout 20s -timeout_error -nostdin -trace_err -error_file "$bs/caller.err" >"$bs/caller.out" 2>&1; then
    echo "ok   SIPp caller to 705 answered by baresip, hung up"; else
    echo "FAIL SIPp caller to baresip: sipp exit $?; see $bs" >&2; failures=$((failures + 1)); fi
  for _ in $(seq 30); do grep -q '|softphone|ivan|COMPLETECALLER|' "$bs/data/queue_log" 2>/dev/null && break; sleep 0.1; done
  for ev in CONNECT COMPLETECALLER; do
    if grep -q "|softphone|ivan|$ev|" "$bs/data/queue_log" 2>/dev/null; then echo "ok   baresip call: $ev"; else
      echo "FAIL baresip call: no $ev for ivan in queue_log" >&2; failures=$((failures + 1)); fi
  done
  sleep 0.5
  kill "$bs_phone" 2>/dev/null || true; wait "$bs_phone" 2>/dev/null || true
  # The caller's audio reached the agent: the phone's recording of what it heard is not silent.
  rec="$(ls "$bs"/rec/dump-*-dec.wav 2>/dev/null | head -1)"
  rms="$( [ -n "$rec" ] && sox "$rec" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')"
  if [ -n "$rms" ] && awk -v r="$rms" 'BEGIN { exit !(r > 0.01) }'; then
    echo "ok   baresip heard the caller's audio (recording RMS amplitude $rms)"; else
    echo "FAIL baresip recording silent or missing ('$rec', RMS '$rms')" >&2; failures=$((failures + 1)); fi
  # The agent's audio reached the caller: baresip's RTP into the server (agent_in) and out
  # to the caller (caller_out), and the caller's into the phone (caller_in, agent_out).
  bs_counter() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
  bs_media="$(sed 's/\x1b\[[0-9;]*m//g' "$bs/server.log" | grep 'voice media ended' | head -1)"
  if [ -n "$bs_media" ] && [ "$(echo "$bs_media" | bs_counter agent_in)" -gt 50 ] \
    && [ "$(echo "$bs_media" | bs_counter caller_out)" -gt 50 ] && [ "$(echo "$bs_media" | bs_counter caller_in)" -gt 50 ] \
    && [ "$(echo "$bs_media" | bs_counter agent_out)" -gt 50 ]; then
    echo "ok   baresip's RTP relayed to the caller and the caller's to baresip ($bs_media)"
  else echo "FAIL baresip RTP counters: '$bs_media'" >&2; failures=$((failures + 1)); fi
  kill "$bs_server" 2>/dev/null || true; wait "$bs_server" 2>/dev/null || true
fi

# The suites (suite_*.sh, built on lib.sh) each start their own server with their own config.
kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
for s in "$here"/suite_*.sh; do
  [ -e "$s" ] || continue
  if bash "$s"; then :; else echo "FAIL $(basename "$s")" >&2; failures=$((failures + 1)); fi
done

if [ "$failures" -ne 0 ]; then
  echo "sip-tests: $failures failure(s); logs in $logs" >&2
  exit 1
fi
echo "sip-tests: all passed"
rm -rf "$logs"
