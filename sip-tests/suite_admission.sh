#!/usr/bin/env bash
# Who may call (issue 14 item 1), through the real binary. 127.0.0.1 is the trusted
# trunk (lib.sh's --sip-trunks-in); 127.0.0.2 and 127.0.0.3 are strangers; each non-trunk
# source may have one call up at once (--sip-source-max-calls 1). Checked:
#  - an unauthenticated INVITE from a non-trunk address gets 403 (to a queue's number and
#    to an unknown one alike), one whose From names an agent's SIP account gets 407; no
#    response carries SDP and no RTP reaches the ports their offers named (UDP listeners),
#    no caller media starts (switchyard_rtp_caller_media_started_total stays 0);
#  - the same agent's phone answering the 407 with its digest credentials is queued;
#  - the trunk's call is queued and its X-Customer-Tier: gold header gives priority 10;
#  - an anonymous caller to a tenant with allow_anonymous_calls is queued, and the same
#    header from it is ignored (priority 0); its media starts after its ACK;
#  - a second call from that source while the first is up gets 503 with Retry-After;
#  - a call answered 200 but never ACKed (a forged source) gets no RTP;
#  - the refusals are counted by reason in /metrics.
. "$(dirname "$0")/lib.sh"

start_server --sip-source-max-calls 1 <<'TOML'
[[tenants]]
name = "closed"

[[tenants.queues]]
name = "closed-line"
numbers = ["820"]
settings = { sip_rules = [{ header = "X-Customer-Tier", equals = "gold", priority = 10 }] }

[[tenants.agents]]
name = "pia"
sip_username = "1021"
sip_password = "closed-line-secret"
queues = [{ queue = "closed-line", penalty = 0 }]

[[tenants]]
name = "open"
allow_anonymous_calls = true

[[tenants.queues]]
name = "open-line"
numbers = ["830"]
settings = { sip_rules = [{ header = "X-Customer-Tier", equals = "gold", priority = 10 }] }
TOML

# RTP that must never come: listeners on the media ports the refused offers name.
cat >"$logs/listen.py" <<'PY'
import socket, sys, time
socks = []
for spec in sys.argv[2:]:
    host, port = spec.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, int(port)))
    s.setblocking(False)
    socks.append(s)
got = 0
end = time.time() + float(sys.argv[1])
while time.time() < end:
    for s in socks:
        try:
            while True:
                s.recv(2048)
                got += 1
        except BlockingIOError:
            pass
    time.sleep(0.01)
print(got)
PY
python3 "$logs/listen.py" 6 127.0.0.2:18702 127.0.0.3:18704 >"$logs/rtp_count" &
listener=$!
pids+=("$listener")
sleep 0.3

stranger() { # name ip scenario [sipp args...]
  local name="$1" ip="$2" sf="$3"; shift 3
  run=$((run + 1))
  if sipp "127.0.0.1:$port" -sf "$sf" -t u1 -i "$ip" -m 1 -timeout 20s -timeout_error -nostdin \
      -trace_err -error_file "$logs/$run-$name.err" "$@" >"$logs/$run-$name.out" 2>&1; then ok "$name"
  else fail "$name: sipp exit $?; see $logs"; cat "$logs/$run-$name.err" >&2 2>/dev/null || true; fi
}
sed 's/response="403"/response="407"/' "$here/admit_refused.xml" >"$logs/admit_challenged.xml"

stranger "stranger to a queue's number: 403, no SDP" 127.0.0.2 "$here/admit_refused.xml" \
  -s 820 -key user mallory -key rtp 18702 -p 15401 -mp 18720
stranger "stranger to an unknown number: 403 as well" 127.0.0.2 "$here/admit_refused.xml" \
  -s 899 -key user mallory -key rtp 18702 -p 15401 -mp 18720
stranger "unauthenticated INVITE from an agent's account: 407, no SDP" 127.0.0.3 "$logs/admit_challenged.xml" \
  -s 820 -key user 1021 -key rtp 18704 -p 15402 -mp 18722
wait "$listener" || true
rtp="$(cat "$logs/rtp_count")"
if [ "$rtp" = 0 ]; then ok "no RTP reached the refused callers' media ports"
else fail "RTP sent to refused callers: $rtp datagrams"; fi
if server_log | grep 'voice media ended' >/dev/null; then fail "a media task ran for a refused caller"
else ok "no media task for refused callers"; fi
metrics="$(api GET /metrics)"
if echo "$metrics" | grep -E '^switchyard_rtp_caller_media_started_total [1-9]' >/dev/null; then
  fail "caller media started for refused callers"
else ok "caller media counter still 0"; fi
if echo "$metrics" | grep -E '^switchyard_sip_calls_refused_total\{reason="anonymous"\} 2$' >/dev/null; then
  ok "two anonymous refusals counted"
else fail "refusal metric: $(echo "$metrics" | grep calls_refused)"; fi

# The agent's phone answers the challenge with its credentials: queued.
sipp_bg phone "$here/admit_phone.xml" -s 820 -i 127.0.0.3 -key user 1021 -au 1021 -ap closed-line-secret \
  -d 2000 -p 15403 -mp 18724
phone=$bg
expect_qlog '|closed-line|NONE|ENTERQUEUE||1021|voice' "the authenticated phone's call is queued"
wait_case "the agent's phone authenticated (407, digest) and hung up" "$phone"

# Interaction detail by the server log's "caller joined" line: priority of a number's caller.
priority_of() { # number from_user
  local id=""
  for _ in $(seq 30); do
    id="$(server_log | grep "caller joined" | grep "number=\"\?$1" | grep "caller_id=\"\?$2" \
      | sed -n 's/.* interaction=i\([0-9]*\) .*/\1/p' | tail -1)"
    [ -n "$id" ] && break; sleep 0.1
  done
  local tenant
  tenant="$(api GET "/api/v1/tenants?name=$3" | jq -r '.items[0].id')"
  api GET "/api/v1/tenants/$tenant/interactions/$id" | jq -r '.priority'
}

# The trunk's call: queued, and its header counts.
sipp_bg trunk_caller "$here/admit_caller.xml" -s 820 -key user +15550301 -d 3000 -p 15404 -mp 18726
trunk=$bg
expect_qlog '|closed-line|NONE|ENTERQUEUE||+15550301|voice' "the trunk's call is queued"
p="$(priority_of 820 +15550301 closed)"
if [ "$p" = 10 ]; then ok "a trunk's X-Customer-Tier: gold gives priority 10"
else fail "trunk caller priority: '$p'"; fi

# Anonymous, to the tenant that allows it: queued; the same header is ignored.
sipp_bg anonymous "$here/admit_caller.xml" -s 830 -i 127.0.0.2 -key user +15550302 -d 3000 -p 15405 -mp 18728
anon=$bg
expect_qlog '|open-line|NONE|ENTERQUEUE||+15550302|voice' "the anonymous call to a tenant that allows it is queued"
p="$(priority_of 830 +15550302 open)"
if [ "$p" = 0 ]; then ok "the header from an untrusted source is ignored (priority 0)"
else fail "anonymous caller priority: '$p'"; fi
# Its source already has its one call up: 503 with Retry-After.
stranger "a second call from that source: 503 with Retry-After" 127.0.0.2 "$here/admit_busy.xml" \
  -s 830 -key user +15550302 -p 15406 -mp 18740
wait_case "the trunk's caller waited and hung up" "$trunk"
wait_case "the anonymous caller waited and hung up" "$anon"

# Answered but never ACKed (a forged source would never ACK): the 200 goes out, RTP never.
cat >"$logs/no_ack.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sip.bind(("127.0.0.2", 15407))
rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rtp.bind(("127.0.0.2", 18706))
sdp = ("v=0\r\no=x 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
       "m=audio 18706 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
invite = (f"INVITE sip:830@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:15407;branch=z9hG4bKnoack1\r\n"
          "Max-Forwards: 70\r\nFrom: <sip:+15550303@127.0.0.2>;tag=na\r\nTo: <sip:830@127.0.0.1>\r\n"
          "Call-ID: no-ack-1\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.2:15407>\r\n"
          f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
sip.sendto(invite.encode(), ("127.0.0.1", port))
sip.settimeout(5)
answered = False
while not answered:
    answered = sip.recv(4096).startswith(b"SIP/2.0 200")
rtp.settimeout(0.2)
got, end = 0, time.time() + 3
while time.time() < end:
    try:
        rtp.recv(2048); got += 1
    except socket.timeout:
        pass
print(got)
PY
got="$(python3 "$logs/no_ack.py" "$port" 2>&1)"
if [ "$got" = 0 ]; then ok "answered but never ACKed: no RTP in 3 s"
else fail "RTP before the ACK: '$got'"; fi

metrics="$(api GET /metrics)"
if echo "$metrics" | grep -E '^switchyard_sip_calls_refused_total\{reason="source_concurrency"\} 1$' >/dev/null; then
  ok "the 503 is counted"
else fail "no source_concurrency refusal in /metrics: $(echo "$metrics" | grep calls_refused)"; fi
if echo "$metrics" | grep -E '^switchyard_rtp_caller_media_started_total 3$' >/dev/null; then
  ok "media started for the three admitted callers, after their ACKs"
else fail "caller media counter: $(echo "$metrics" | grep caller_media_started)"; fi
media="$(server_log | grep 'voice media ended' | head -1)"
if [ "$(echo "$media" | sed -n 's/.* caller_out=\([0-9]*\).*/\1/p')" -gt 0 ] 2>/dev/null; then
  ok "admitted callers hear music ($media)"
else fail "no music to admitted callers: '$media'"; fi

finish
