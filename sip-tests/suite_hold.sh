#!/usr/bin/env bash
# Hold mirrored across the bridge (issue 5 item 6), through the real binary: a caller is
# bridged to an agent's SIPp phone; the caller re-INVITEs with a=sendonly and gets
# a=recvonly back; the agent's phone then receives a re-INVITE offering a=sendonly and
# answers a=recvonly; the caller resumes (a=sendrecv both ways, and the phone is offered
# a=sendrecv again); the caller hangs up and the server BYEs the phone. Checked by the
# SIPp exit codes (their ereg checks), the server's HOLD/UNHOLD lines and queue_log.
# Then the other way round: the agent's phone holds and resumes, and the caller receives
# the server's re-INVITEs (a=sendonly, then a=sendrecv).
# Ports (helper A's range): agent phone -p 15200, caller -p 15201, RTP -mp 18000..18030.
. "$(dirname "$0")/lib.sh"

start_server <<'TOML'
[[tenants]]
name = "hold-tests"

[[tenants.queues]]
name = "hold"
numbers = ["820"]
settings = { wrap_up_secs = 0 }

[[tenants.agents]]
name = "hana"
sip_username = "1030"
sip_password = "sip-pw-bada"
queues = [{ queue = "hold", penalty = 0 }]
TOML

sipp_bg "agent phone sees the mirrored hold and resume" "$here/hold_agent.xml" -p 15200 -mp 18010 -rtp_echo
agent=$bg
sleep 0.5
register_agent 1030 15200
expect_server 'SIP agent reachability agent=[^ ]* reachable=true' "hana's phone is reachable"

sipp_case "caller holds (sendonly -> recvonly) and resumes (sendrecv)" "$here/hold_caller.xml" -s 820 -p 15201 -mp 18000
wait_case "agent phone sees the mirrored hold and resume" "$agent"

expect_server 'call HOLD .*by=Caller' "the server logged HOLD, by the caller"
expect_server 'call UNHOLD' "the server logged UNHOLD"
expect_server 're-INVITE answered .*RecvOnly' "the phone's answer to the hold re-INVITE was recvonly"
if server_log | grep -q 're-INVITE refused'; then fail "a re-INVITE was refused: $(server_log | grep 're-INVITE refused')"; else ok "no re-INVITE refused"; fi
expect_qlog '|hold|hana|CONNECT|' "the caller was connected to hana"
expect_qlog '|hold|hana|COMPLETECALLER|' "the caller hung up after the resume (COMPLETECALLER)"

# The agent holds: the caller is re-INVITEd.
sipp_bg "agent phone holds and resumes" "$here/hold_agent_holds.xml" -p 15200 -mp 18030 -rtp_echo
agent=$bg
sleep 0.5
sipp_case "caller is re-INVITEd sendonly, then sendrecv" "$here/hold_caller_held.xml" -s 820 -p 15201 -mp 18020
wait_case "agent phone holds and resumes" "$agent"
expect_server 'call HOLD .*by=Agent' "the server logged HOLD, by the agent"
n="$(server_log | grep -c 'call UNHOLD' || true)"
[ "$n" -eq 2 ] && ok "two UNHOLDs in all (caller's, agent's)" || fail "UNHOLD lines: $n, expected 2"
expect_server 're-INVITE answered call=3 .*RecvOnly' "the caller's answer to the hold re-INVITE was recvonly"
if server_log | grep -q 're-INVITE refused'; then fail "a re-INVITE was refused: $(server_log | grep 're-INVITE refused')"; else ok "still no re-INVITE refused"; fi
# The event log writes in batches: give the second call's line a moment to arrive.
for _ in $(seq 30); do
  n="$(grep -c '|hold|hana|COMPLETECALLER|' "$qlog" || true)"
  [ "$n" -ge 2 ] && break; sleep 0.1
done
[ "$n" -eq 2 ] && ok "the second call completed too" || fail "COMPLETECALLER lines: $n, expected 2"

finish
