#!/usr/bin/env bash
# Live, per-tenant prompts through the binary: a tenant's prompt uploaded over REST while
# the server runs is what the next caller hears (no restart), another tenant's callers keep
# the shipped prompt, a delete brings the shipped one back; and the periodic position/wait
# announcement (announce_every_secs) fires for a waiting caller.
#
# The prompt is told apart by its length: queue 800 has nobody logged in, so a caller is
# sent down the overflow chain at once (join_empty) to "play agents-busy, then hang up".
# The shipped agents-busy lasts 3.1 s; the upload is a 6 s tone. The server counts the RTP
# packets it sent the caller ("voice media ended ... caller_out=N", 50 per second) and the
# SIPp caller's call lasts as long as the announcement.
# Ports (helper D's range): SIPp RTP -mp 18700..18899; no agent phones.
. "$(dirname "$0")/lib.sh"
command -v sox >/dev/null || { echo "$suite: sox is not installed (apt-get install -y sox)" >&2; exit 1; }
command -v jq >/dev/null || { echo "$suite: jq is not installed (apt-get install -y jq)" >&2; exit 1; }
export RUST_LOG="info,sqlx=warn,switchyard_voice::edge::exec=debug"

start_server <<'TOML'
[[tenants]]
name = "prompts-a"

[[tenants.queues]]
name = "busy-line"
numbers = ["800"]
settings = { join_empty = "none_logged_in" }
overflow = [{ on = ["no_agents"], action = { type = "announcement", sound = "agents-busy" } }]

[[tenants.queues]]
name = "periodic"
numbers = ["801"]
settings = { announce_every_secs = 1 }

[[tenants]]
name = "prompts-b"

[[tenants.queues]]
name = "busy-line-b"
numbers = ["810"]
settings = { join_empty = "none_logged_in" }
overflow = [{ on = ["no_agents"], action = { type = "announcement", sound = "agents-busy" } }]
TOML

tenant_id() { api GET /api/v1/tenants | jq -r ".items[] | select(.name == \"$1\") | .id"; }
ta="$(tenant_id prompts-a)"
tb="$(tenant_id prompts-b)"
if [ -n "$ta" ] && [ -n "$tb" ]; then ok "tenants prompts-a=$ta prompts-b=$tb"; else fail "tenant ids: '$ta' '$tb'"; finish; fi

# The caller's RTP packet count from the server's line for the last call that ended.
ended_lines() { server_log | grep -c 'voice media ended' || true; }
caller_out_of_call() { # n-th "voice media ended" line -> caller_out
  server_log | grep 'voice media ended' | sed -n "${1}p" | sed -n 's/.* caller_out=\([0-9]*\).*/\1/p'
}
# Dials $2 (waits for the server's BYE after the announcement); sets $packets and $ms.
announced_call() { # name number mp
  local before t0 t1
  before="$(ended_lines)"
  t0="$(date +%s%N)"
  sipp_case "$1" "$here/queue_caller_hungup.xml" -s "$2" -mp "$3"
  t1="$(date +%s%N)"
  ms=$(((t1 - t0) / 1000000))
  for _ in $(seq 30); do [ "$(ended_lines)" -gt "$before" ] && break; sleep 0.1; done
  packets="$(caller_out_of_call $((before + 1)))"
  packets="${packets:-0}"
  echo "     $1: $packets RTP packets to the caller, SIPp call ${ms} ms"
}
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# 1. Shipped prompt: 3.1 s -> ~157 packets.
announced_call "shipped agents-busy (tenant a)" 800 18700
shipped=$packets
if between "$shipped" 140 175; then ok "shipped agents-busy played: $shipped packets (3.1 s)"; else fail "shipped agents-busy: $shipped packets, expected 140-175"; fi
expect_qlog '|busy-line|NONE|' "the caller went through queue busy-line"

# 2. Upload a 6 s tone as tenant a's agents-busy while the server runs.
sox -n -r 16000 -c 2 -b 16 "$logs/tone6.wav" synth 6 sine 440 vol 0.3
code="$(api PUT "/api/v1/tenants/$ta/sounds/agents-busy" -H 'Content-Type: audio/wav' \
  --data-binary "@$logs/tone6.wav" -o "$logs/upload.json" -w '%{http_code}')"
if [ "$code" = 200 ] && [ "$(jq -r .duration_ms "$logs/upload.json")" = 6000 ]; then
  ok "uploaded a 6 s agents-busy for tenant a (16 kHz stereo, stored as 8 kHz mono)"
else fail "upload: HTTP $code $(cat "$logs/upload.json")"; fi
announced_call "uploaded agents-busy (tenant a)" 800 18710
if between "$packets" 295 320 && [ "$ms" -ge 6000 ]; then
  ok "the next caller heard the upload without a restart: $packets packets, call ${ms} ms"
else fail "after the upload: $packets packets, ${ms} ms (expected 295-320 packets, >= 6000 ms)"; fi
expect_server "tenant prompt loaded tenant=$ta name=\"\\?agents-busy\"\\? frames=300" "the server loaded tenant a's agents-busy (300 frames)"

# 3. Tenant b's caller still hears the shipped prompt.
announced_call "shipped agents-busy (tenant b)" 810 18720
if between "$packets" $((shipped - 3)) $((shipped + 3)); then ok "tenant b unaffected by tenant a's upload: $packets packets"
else fail "tenant b: $packets packets, expected the shipped $shipped"; fi

# 4. Replace with a 4 s tone, then delete: each is heard by the next caller.
sox -n -r 8000 -c 1 -b 16 "$logs/tone4.wav" synth 4 sine 660 vol 0.3
code="$(api PUT "/api/v1/tenants/$ta/sounds/agents-busy" -H 'Content-Type: audio/wav' \
  --data-binary "@$logs/tone4.wav" -o /dev/null -w '%{http_code}')"
[ "$code" = 200 ] && ok "replaced tenant a's agents-busy with a 4 s tone" || fail "replace: HTTP $code"
announced_call "replaced agents-busy (tenant a)" 800 18730
if between "$packets" 195 215; then ok "the replacement was heard: $packets packets"; else fail "after the replacement: $packets packets, expected 195-215"; fi
code="$(api DELETE "/api/v1/tenants/$ta/sounds/agents-busy" -o /dev/null -w '%{http_code}')"
[ "$code" = 204 ] && ok "deleted tenant a's agents-busy" || fail "delete: HTTP $code"
announced_call "agents-busy after the delete (tenant a)" 800 18740
if between "$packets" $((shipped - 3)) $((shipped + 3)); then ok "after the delete the shipped prompt is back: $packets packets"
else fail "after the delete: $packets packets, expected the shipped $shipped"; fi
expect_server "tenant prompt removed: shipped one used tenant=$ta name=\"\\?agents-busy" "the server dropped the deleted upload"

# 5. Periodic announcements through the binary: queue 801 (announce_every_secs = 1, no
# agents), a caller waits 4.5 s on music on hold. With tenant a's own caller-number
# uploaded, the periodic position is spoken with it.
sox -n -r 8000 -c 1 -b 16 "$logs/tone1.wav" synth 0.5 sine 880 vol 0.3
code="$(api PUT "/api/v1/tenants/$ta/sounds/caller-number" -H 'Content-Type: audio/wav' \
  --data-binary "@$logs/tone1.wav" -o /dev/null -w '%{http_code}')"
[ "$code" = 200 ] && ok "uploaded tenant a's caller-number" || fail "caller-number upload: HTTP $code"
before="$(server_log | grep -c 'periodic announcement' || true)"
sipp_case "caller waits 4.5 s in queue periodic" "$here/queue_caller.xml" -s 801 -d 4500 -mp 18750
periodic="$(server_log | grep 'periodic announcement' | tail -n +$((before + 1)))"
n="$(printf '%s\n' "$periodic" | grep -c 'prompts=[1-9]' || true)"
if [ "$n" -ge 3 ] && [ "$n" -le 5 ]; then ok "periodic announcement fired $n times in 4.5 s (every 1 s), each with prompts"
else fail "periodic announcements: $n in 4.5 s, expected 3-5: $periodic"; fi
expect_server "tenant prompt loaded tenant=$ta name=\"\\?caller-number\"\\? frames=25" "the position announcements used tenant a's caller-number"
expect_qlog '|periodic|NONE|ABANDON|' "the waiting caller abandoned after 4.5 s"

finish
