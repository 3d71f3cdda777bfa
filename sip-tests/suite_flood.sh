#!/usr/bin/env bash
# Floods do not cost a call in progress its media (issue 5 item 7), through the real binary:
# a caller is bridged to agent lee's phone (RTP echoed back) and, during the call, two other
# sources flood the SIP port — 127.0.0.2 with INVITEs (SIPp's built-in uac, 1,000/s) and
# 127.0.0.3 with OPTIONS (1,000/s). Checked: the flooding sources are rate-limited (server log),
# the call's RTP went through the bridge both ways without loss (relayed counts match what
# arrived), the call ends normally (COMPLETECALLER), and a phone on 127.0.0.1 can still
# register right after. The server runs with --sip-rate-limit 100,200 (the default, 1000,2000,
# suits a trunk or the benchmark's single load source). Ports: lee's phone 15310 (RTP 18600), caller 15311 (RTP 18620),
# flood sources 15312/15313.
. "$(dirname "$0")/lib.sh"

start_server --sip-rate-limit 100,200 <<'TOML'
[[tenants]]
name = "flood-tests"

[[tenants.queues]]
name = "steady"
numbers = ["810"]

[[tenants.agents]]
name = "lee"
sip_username = "1011"
sip_password = "sip-pw-babb"
queues = [{ queue = "steady", penalty = 0 }]
TOML

sipp_bg lee_phone "$here/queue_agent.xml" -p 15310 -mp 18600 -rtp_echo
lee=$bg
sleep 0.3
register_agent 1011 15310
expect_qlog '|NONE|NONE|lee|AGENTLOGIN' "lee's phone logs lee in"

sipp_bg caller "$here/queue_caller.xml" -s 810 -d 6000 -p 15311 -mp 18620
caller=$bg
expect_qlog '|steady|lee|CONNECT|' "caller bridged to lee"
# The floods, bounded: 3,000 requests each at 1,000/s (3 s), while the call talks.
sipp "127.0.0.1:$port" -sn uac -s 999 -i 127.0.0.2 -p 15312 -r 1000 -m 3000 -t u1 -nostdin \
  -timeout 15s -recv_timeout 500 -default_behaviors -all >"$logs/flood_invite.out" 2>&1 &
flood_invite=$!
pids+=("$flood_invite")
sipp "127.0.0.1:$port" -sf "$here/options.xml" -i 127.0.0.3 -p 15313 -r 1000 -m 3000 -t u1 -nostdin \
  -timeout 15s -recv_timeout 500 >"$logs/flood_options.out" 2>&1 &
flood_options=$!
pids+=("$flood_options")
wait "$flood_invite" 2>/dev/null || true # most requests go unanswered: that is the point
wait "$flood_options" 2>/dev/null || true
expect_server 'SIP source rate-limited from=127.0.0.2' "the INVITE flood from 127.0.0.2 is rate-limited"
expect_server 'SIP source rate-limited from=127.0.0.3' "the OPTIONS flood from 127.0.0.3 is rate-limited"
wait_case "the call during the floods ends normally" "$caller"
wait_case "lee's phone answered and got the server's BYE" "$lee"
expect_qlog '|steady|lee|COMPLETECALLER|' "COMPLETECALLER after the floods"

media="$(server_log | grep 'voice media ended' | head -1)"
counter() { echo "$media" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
cin=$(counter caller_in); aout=$(counter agent_out); ain=$(counter agent_in); cout=$(counter caller_out)
# Everything that arrived was relayed (the echo's packets included), and enough arrived.
if [ "${cin:-0}" -gt 100 ] && [ "${ain:-0}" -gt 100 ] && [ "$aout" -ge $((cin * 98 / 100)) ] \
  && [ "$cout" -ge "$ain" ]; then ok "RTP through the bridge kept during the floods ($media)"
else fail "RTP during the floods: '$media'"; fi

# The server still serves well-behaved phones.
register_agent 1011 15310
finish
