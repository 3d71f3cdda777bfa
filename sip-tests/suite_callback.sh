#!/usr/bin/env bash
# Callbacks dialled through an outbound trunk (issue 6 item 2), through the real binary:
#  - callers A (+15550201) then B (+15550202) wait in queue 800, where nobody is logged in;
#    each reaches max wait (3 s) and becomes a callback: the server hangs up (BYE) and the
#    callback keeps the caller's place (REST live view: A first as a callback while B still
#    waits as a voice call behind it);
#  - agent kim's phone registers: the router offers A's callback first; kim's phone rings
#    and answers; Switchyard dials +15550201 through the trunk (a SIPp UAS that challenges
#    with a 401 and checks the digest), bridges kim with the customer (RTP both ways), and
#    the customer hangs up;
#  - B's callback: the trunk answers 486 Busy: CALLBACKFAILED (attempt 1, will retry); 2 s
#    later it is offered again, dialled again, answered, bridged.
# Ports: kim's phone 15300 (RTP 18500), trunk 15301 (RTP 18520), callers 15302/15303.
. "$(dirname "$0")/lib.sh"

start_server --sip-trunk sip:127.0.0.1:15301 --sip-trunk-user trunkuser --sip-trunk-password trunkpw \
  --sip-trunk-caller-id 5550000 --callback-ring-secs 10 <<'TOML'
[[tenants]]
name = "callback-tests"
callback_policy = { country_code = "1" }

[[tenants.queues]]
name = "callbacks"
numbers = ["800"]
settings = { ring_timeout_secs = 10, wrap_up_secs = 0, max_wait_secs = 3, callback = { retry_secs = 2, max_attempts = 3 }, overflow = [{ on = ["max_wait"], action = { type = "callback" } }] }

[[tenants.agents]]
name = "kim"
sip_username = "1010"
sip_password = "sip-pw-baba"
queues = [{ queue = "callbacks", penalty = 0 }]
TOML

caller_as() { # number -> a copy of queue_caller_hungup.xml calling from that number
  sed -e "s/+15550100/$1/g" "$here/queue_caller_hungup.xml" >"$logs/caller_$1.xml"
  echo "$logs/caller_$1.xml"
}
sipp_bg caller_a "$(caller_as +15550201)" -s 800 -p 15302 -mp 18540
caller_a=$bg
sleep 1.5 # B joins well after A: A's max wait fires while B still waits as a call
sipp_bg caller_b "$(caller_as +15550202)" -s 800 -p 15303 -mp 18560
caller_b=$bg
expect_qlog '|callbacks|NONE|ENTERQUEUE||+15550201|voice' "caller A enters the queue"
expect_qlog '|callbacks|NONE|ENTERQUEUE||+15550202|voice' "caller B enters the queue"
ia="$(grep '|ENTERQUEUE||+15550201|' "$qlog" | head -1 | cut -d'|' -f2)"
ib="$(grep '|ENTERQUEUE||+15550202|' "$qlog" | head -1 | cut -d'|' -f2)"

# A at max wait: a callback at its place, B (joined later) still a voice call behind it.
expect_qlog "|$ia|callbacks|NONE|CALLBACKREQUEST|+15550201" "caller A becomes a callback at max wait"
tenant="$(api GET /api/v1/tenants | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["items"] if t["name"]=="callback-tests"][0])')"
queue="$(api GET "/api/v1/tenants/$tenant/queues" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
line="$(api GET "/api/v1/tenants/$tenant/live/queues/$queue/waiting" | python3 -c '
import json,sys
print(" ".join("%s:%s:%s" % (w["position"], w["channel"], w["caller_id"]) for w in json.load(sys.stdin)))')"
if [ "$line" = "1:callback:+15550201 2:voice:+15550202" ]; then ok "A keeps first place as a callback, B waits behind ($line)"
else fail "line after A's callback: '$line'"; fi
wait_case "caller A hung up on by the server after the callback is set" "$caller_a"
wait_case "caller B hung up on by the server after the callback is set" "$caller_b"
expect_qlog "|$ib|callbacks|NONE|CALLBACKREQUEST|+15550202" "caller B becomes a callback at max wait"

# The trunk and kim's phone (3 calls: A answered, B busy, B answered on the retry).
sipp_bg trunk "$here/callback_trunk.xml" -p 15301 -mp 18520 -m 3 -timeout 60s -trace_msg \
  -message_file "$logs/trunk_messages.log"
trunk=$bg
# kim's phone: queue_agent.xml, also checking that the ringing phone shows the customer's number.
sed -e 's|<ereg regexp="m=audio|<ereg regexp="From: \\"\\+1555020[12]\\"" search_in="msg" check_it="true" assign_to="shown"/>\n      <ereg regexp="m=audio|' \
  -e 's|<Reference variables="offer"/>|<Reference variables="offer,shown"/>|' "$here/queue_agent.xml" >"$logs/kim_phone.xml"
grep -q 'assign_to="shown"' "$logs/kim_phone.xml" || fail "kim_phone.xml was not derived"
sipp_bg kim_phone "$logs/kim_phone.xml" -p 15300 -mp 18500 -rtp_echo -m 3 -timeout 60s
kim=$bg
sleep 0.3
register_agent 1010 15300

expect_qlog "|$ia|callbacks|kim|CONNECT|" "A's callback connected to kim first"
expect_server 'dialling the customer back.*number="+15550201" trunk=127.0.0.1:15301' "A dialled through the trunk"
expect_server "callback bridged" "kim bridged with customer A"
for _ in $(seq 100); do grep -q "|$ia|callbacks|kim|COMPLETECALLER|" "$qlog" && break; sleep 0.1; done
expect_qlog "|$ia|callbacks|kim|COMPLETECALLER|" "customer A hangs up: COMPLETECALLER"
first_connect="$(grep '|CONNECT|' "$qlog" | head -1 | cut -d'|' -f2)"
[ "$first_connect" = "$ia" ] && ok "the first callback offered was A's (its original place)" \
  || fail "first CONNECT was $first_connect, A is $ia"
for _ in $(seq 100); do grep -q "|$ib|callbacks|kim|CALLBACKFAILED|" "$qlog" && break; sleep 0.1; done
expect_qlog "|$ib|callbacks|kim|CALLBACKFAILED|1|" "B's first attempt busy: CALLBACKFAILED attempt 1"
for _ in $(seq 150); do grep -q "|$ib|callbacks|kim|COMPLETECALLER|" "$qlog" && break; sleep 0.1; done
expect_qlog "|$ib|callbacks|kim|COMPLETECALLER|" "B's retry answered, bridged, completed"
[ "$(grep -c "|$ib|callbacks|kim|CONNECT|" "$qlog")" -eq 2 ] && ok "B's callback was offered twice (retry)" \
  || fail "B's CONNECT count: $(grep -c "|$ib|callbacks|kim|CONNECT|" "$qlog")"
wait_case "the trunk challenged and took 3 calls" "$trunk"
wait_case "kim's phone showed the customers' numbers and answered 3 callbacks" "$kim"
# Independently of SIPp's verifyauth: every authenticated INVITE the trunk received carries
# an RFC 2617 digest (qop=auth) that is right for trunkuser/trunkpw.
digests="$(python3 "$here/check_digest.py" "$logs/trunk_messages.log" trunkuser trunkpw)" \
  && ok "trunk INVITEs carried correct digests ($digests)" || fail "trunk digests: $digests"

# Both directions of a callback bridge carried RTP (the agent leg's media task: "caller"
# is kim's phone, "agent" the customer).
leg="$(server_log | sed -n 's/.*callback bridged agent=\([0-9]*\) .*/\1/p' | head -1)"
media="$(server_log | grep "voice media ended call=$leg " | head -1)"
counter() { echo "$media" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
if [ "$(counter agent_in)" -gt 50 ] && [ "$(counter caller_out)" -gt 50 ] && [ "$(counter caller_in)" -gt 50 ] \
  && [ "$(counter agent_out)" -gt 50 ]; then ok "callback RTP relayed both ways ($media)"
else fail "callback RTP counters: '$media'"; fi
finish
