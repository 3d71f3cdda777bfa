#!/usr/bin/env bash
# Overflow actions for phone callers (issue 6 items 1, 3-6), through the real binary:
#  - after hours (a holiday today) -> announcement "closed", then the server's BYE after
#    about the prompt's length of RTP;
#  - nobody logged in -> voicemail: greeting, beep, the caller's real audio (g711a.pcap)
#    recorded until the caller's BYE: WAV under data/voicemail/<tenant>/, >= 1 s, not
#    silent (sox), listed over REST; a caller hanging up during the greeting leaves nothing;
#    a queue's voicemail_max_secs (3) stops the recording by itself (goodbye, BYE);
#  - nobody logged in -> menu: key 1 by RFC 4733 re-joins queue "sales" (ENTERQUEUE
#    there, and ahead of a caller who dialled sales after the menu caller's first
#    arrival), key 2 leads to voicemail ended by # (then goodbye and BYE), no key at
#    all repeats the menu once and falls to the default (goodbye, BYE);
#  - callback key (3) while waiting: the caller ID is read back, key 1 confirms:
#    CALLBACKREQUEST, BYE, and the interaction still waits, as a callback (REST);
#  - abandon-and-resume: A and B wait, A hangs up and calls again: A is first again.
# Ports: callers 15250-15269, RTP 18200-18459.
. "$(dirname "$0")/lib.sh"
command -v sox >/dev/null || { echo "$suite: sox is not installed (apt-get install -y sox)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "$suite: python3 is missing" >&2; exit 1; }

today="$(date -u +%F)"
start_server <<TOML
[[tenants]]
name = "ivr-tests"
callback_policy = { country_code = "1" }

[[tenants.schedules]]
name = "holiday-today"
time_zone = "UTC"
weekly = [{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], open = "00:00", close = "24:00" }]
holidays = [{ date = "$today", name = "sip-tests holiday" }]

[[tenants.queues]]
name = "closed"
numbers = ["901"]
schedule = "holiday-today"
overflow = [{ on = ["after_hours"], action = { type = "announcement", sound = "closed" } }]

[[tenants.queues]]
name = "messages"
numbers = ["902"]
settings = { join_empty = "none_logged_in" }
overflow = [{ on = ["no_agents"], action = { type = "voicemail" } }]

[[tenants.queues]]
name = "short"
numbers = ["907"]
settings = { join_empty = "none_logged_in", voicemail_max_secs = 3 }
overflow = [{ on = ["no_agents"], action = { type = "voicemail" } }]

[[tenants.queues]]
name = "front"
numbers = ["903"]
settings = { join_empty = "none_logged_in" }
overflow = [{ on = ["no_agents"], action = { type = "menu", menu = { prompt = "menu", attempts = 2, timeout_secs = 2, default = { type = "announcement", sound = "goodbye" }, options = [{ digit = "1", action = { type = "queue", queue = "sales" } }, { digit = "2", action = { type = "voicemail" } }] } } }]

[[tenants.queues]]
name = "sales"
numbers = ["904"]

[[tenants.queues]]
name = "support"
numbers = ["905"]
settings = { keys = [{ digit = "3", action = { type = "callback" } }] }

[[tenants.queues]]
name = "resume"
numbers = ["906"]
settings = { abandon_resume_secs = 120 }
TOML

pcaps=/usr/share/sip-tester
# A caller scenario: caller number, template (ivr_caller: the server hangs up;
# ivr_caller_bye: the caller does), then steps: "p<ms>" pause, "k<key>" RFC 4733 key
# (1, 2, 3, pound), "audio" g711a.pcap.
scenario() {
  local number="$1" template="$2"; shift 2
  local steps="" s
  for s in "$@"; do
    case "$s" in
      p*) steps+="  <pause milliseconds=\"${s#p}\"/>\n" ;;
      k*) steps+="  <nop><action><exec play_pcap_audio=\"$pcaps/dtmf_2833_${s#k}.pcap\"/></action></nop>\n" ;;
      audio) steps+="  <nop><action><exec play_pcap_audio=\"$pcaps/g711a.pcap\"/></action></nop>\n" ;;
      *) echo "bad step $s" >&2; exit 1 ;;
    esac
  done
  local out="$logs/$template-$number-$RANDOM.xml"
  sed -e "s/+15550100/$number/g" -e "s|  <!--STEPS-->|$steps|" "$here/$template.xml" >"$out"
  echo "$out"
}
# The interaction of the caller's last call (from the server's "caller joined" line: a
# caller overflowed at join has no ENTERQUEUE).
interaction_of() {
  server_log | grep 'caller joined' | grep -- "caller_id=\"\?$1" | tail -1 | sed -n 's/.* interaction=i\([0-9]*\) .*/\1/p'
}
# The server's "voice media ended" line of a caller's call.
media_of() { # caller number
  local call
  call="$(server_log | grep 'caller joined' | grep -- "caller_id=\"\?$1" | tail -1 | sed -n 's/.* call=\([0-9]*\) .*/\1/p')"
  server_log | grep 'voice media ended' | grep -- " call=$call " | tail -1
}
counter() { echo "$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }
tenant="$(api GET /api/v1/tenants | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["items"] if t["name"]=="ivr-tests"][0])')"
queue_id() { api GET "/api/v1/tenants/$tenant/queues" | python3 -c "import json,sys; print([q['id'] for q in json.load(sys.stdin)['items'] if q['name']=='$1'][0])"; }
waiting() { # queue name -> "position:channel:caller_id ..."
  api GET "/api/v1/tenants/$tenant/live/queues/$(queue_id "$1")/waiting" | python3 -c '
import json,sys
print(" ".join("%s:%s:%s" % (w["position"], w["channel"], w["caller_id"]) for w in json.load(sys.stdin)))'
}
voicemails() { api GET "/api/v1/tenants/$tenant/voicemails"; }
vm_field() { # interaction field
  voicemails | python3 -c "import json,sys; print(next((str(v['$2']) for v in json.load(sys.stdin)['items'] if str(v['interaction_id'])=='$1'), ''))"
}
check_wav() { # file what
  if [ ! -f "$1" ]; then fail "$2: no $1"; return; fi
  local len rms
  len="$(soxi -D "$1")"
  rms="$(sox "$1" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')"
  if python3 -c "import sys; sys.exit(0 if $len >= 1.0 and $rms > 0.01 else 1)"; then
    ok "$2: $(basename "$1") is $len s, RMS amplitude $rms"
  else fail "$2: $1 is $len s, RMS amplitude $rms"; fi
}

# 1 + 5. After hours (holiday today): announcement "closed", then BYE.
sipp_case "after hours: announcement then BYE" "$(scenario +15550901 ivr_caller)" -s 901 -p 15250 -mp 18200
expect_qlog "|$(interaction_of +15550901)|closed|NONE|OVERFLOW|after_hours|announcement:closed" \
  "after hours (holiday today): OVERFLOW to the announcement"
media="$(media_of +15550901)"
frames="$(python3 -c "import wave; w=wave.open('$root/sounds/prompts/closed.wav'); print(w.getnframes() // 160)")"
out="$(counter "$media" caller_out)"
if [ -n "$out" ] && [ "$out" -ge "$frames" ] && [ "$out" -le $((frames + 50)) ]; then
  ok "the caller got $out RTP packets for the ${frames}-frame 'closed' prompt, then BYE"
else fail "announcement RTP: '$media' (prompt $frames frames)"; fi

# 2. Voicemail: greeting (4.6 s) + beep, the caller talks (g711a.pcap), then hangs up.
sipp_case "voicemail: greeting, beep, audio, caller hangs up" \
  "$(scenario +15550902 ivr_caller_bye p5600 audio p8000)" -s 902 -p 15251 -mp 18220
vm="$(interaction_of +15550902)"
for _ in $(seq 30); do [ -n "$(vm_field "$vm" file_name)" ] && break; sleep 0.2; done
file="$(vm_field "$vm" file_name)"
[ "$file" = "$tenant/$vm.wav" ] && ok "voicemail listed over REST as $file" || fail "voicemail row: '$(voicemails)'"
check_wav "$data/voicemail/$tenant/$vm.wav" "the voicemail holds the caller's audio"
dur="$(vm_field "$vm" duration_ms)"
[ "${dur:-0}" -ge 6000 ] && ok "stored duration ${dur} ms (the caller spoke ~6 s)" || fail "stored duration '$dur'"
[ -z "$(find "$data/voicemail" -name '*.part')" ] && ok "no .part file left" || fail ".part left behind"

sipp_case "voicemail: caller hangs up during the greeting" \
  "$(scenario +15550903 ivr_caller_bye p2000)" -s 902 -p 15252 -mp 18240
early="$(interaction_of +15550903)"
sleep 1
[ ! -e "$data/voicemail/$tenant/$early.wav" ] && [ -z "$(vm_field "$early" id)" ] \
  && ok "hang-up during the greeting stores nothing" || fail "a message was stored for $early"

# The queue's voicemail_max_secs = 3: the recording stops by itself, goodbye, BYE.
sipp_case "voicemail: stopped at the queue's maximum length" \
  "$(scenario +15550931 ivr_caller p5600 audio)" -s 907 -p 15262 -mp 18440
short="$(interaction_of +15550931)"
for _ in $(seq 30); do [ -n "$(vm_field "$short" id)" ] && break; sleep 0.2; done
dur="$(vm_field "$short" duration_ms)"
[ "${dur:-0}" -ge 2900 ] && [ "${dur:-0}" -le 3100 ] && ok "stopped at 3 s ($dur ms)" || fail "max-length duration '$dur'"
expect_server "voicemail recorded.*interaction=$short.*ended=MaxLength" "ended by the maximum length"

# 3. Menus. Key 1 (RFC 4733) -> queue sales; the caller waits there, then hangs up.
sipp_case "menu: key 1 re-joins queue sales" "$(scenario +15550904 ivr_caller_bye p1000 k1 p3000)" \
  -s 903 -p 15253 -mp 18260
m1="$(interaction_of +15550904)"
expect_qlog "|$m1|sales|NONE|ENTERQUEUE||+15550904|" "menu choice 1: the same interaction enters queue sales"
expect_qlog "|$m1|sales|NONE|ABANDON|" "then abandons there when the caller hangs up"

# Seniority: A reaches the menu first, B dials sales directly 0.4 s later, A presses 1
# after B joined: A re-joins sales with its first arrival, so A is ahead of B.
sipp_bg senior_a "$(scenario +15550921 ivr_caller_bye p1200 k1 p4000)" -s 903 -p 15260 -mp 18400
sa=$bg
sleep 0.4
sipp_bg senior_b "$(scenario +15550922 ivr_caller_bye p5000)" -s 904 -p 15261 -mp 18420
sb=$bg
for _ in $(seq 40); do grep -q '|sales|NONE|ENTERQUEUE||+15550921|' "$qlog" && break; sleep 0.1; done
line="$(waiting sales)"
[ "$line" = "1:voice:+15550921 2:voice:+15550922" ] \
  && ok "the menu caller keeps its first arrival: ahead of a later direct caller ($line)" \
  || fail "sales line after the menu re-join: '$line'"
wait_case "A hangs up in sales" "$sa"
wait_case "B hangs up in sales" "$sb"

# Key 2 -> voicemail, ended by #: goodbye and the server's BYE.
sipp_case "menu: key 2 -> voicemail ended by #" \
  "$(scenario +15550905 ivr_caller p1000 k2 p6000 audio p7000 kpound)" -s 903 -p 15254 -mp 18280
m2="$(interaction_of +15550905)"
for _ in $(seq 30); do [ -n "$(vm_field "$m2" id)" ] && break; sleep 0.2; done
check_wav "$data/voicemail/$tenant/$m2.wav" "menu voicemail holds the caller's audio"
expect_server "voicemail recorded.*interaction=$m2.*ended=Key" "the # key ended the recording"

# No key: the menu (5.3 s) + 2 s, invalid-choice + menu again + 2 s, then the default.
t0="$(date +%s.%N)"
sipp_case "menu: no key -> repeated once, then the default (goodbye, BYE)" \
  "$(scenario +15550906 ivr_caller)" -s 903 -p 15255 -mp 18300
took="$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")"
python3 -c "import sys; sys.exit(0 if 15.5 <= $took <= 24 else 1)" \
  && ok "menu timeout path took $took s (two plays, two timeouts, goodbye)" \
  || fail "menu timeout path took $took s"
m3="$(interaction_of +15550906)"
grep -q "|$m3|sales|" "$qlog" && fail "a timed-out menu caller reached sales" || ok "the timed-out caller went nowhere else"

# 4. Callback key while waiting: key 3, the number is read back, key 1 confirms.
sipp_case "callback key, number confirmed with 1" \
  "$(scenario +15550907 ivr_caller p1500 k3 p2500 k1)" -s 905 -p 15256 -mp 18320
cb="$(interaction_of +15550907)"
expect_qlog "|$cb|support|NONE|CALLBACKREQUEST|+15550907" "CALLBACKREQUEST with the caller ID"
grep -q "|$cb|support|NONE|ABANDON|" "$qlog" && fail "the callback caller's hang-up counted as an abandon" \
  || ok "the caller's hang-up is not an abandon"
line="$(waiting support)"
[ "$line" = "1:callback:+15550907" ] && ok "still waiting in support, as a callback ($line)" || fail "support line: '$line'"

# 6. Abandon-and-resume: A and B wait; A hangs up and calls again within 120 s.
sipp_bg resume_a1 "$(scenario +15550911 ivr_caller_bye p2500)" -s 906 -p 15257 -mp 18340
a1=$bg
sleep 0.7
sipp_bg resume_b "$(scenario +15550912 ivr_caller_bye p9000)" -s 906 -p 15258 -mp 18360
b=$bg
wait_case "A waits, then hangs up" "$a1"
expect_qlog '|resume|NONE|ABANDON|' "A's hang-up is an abandon"
sipp_bg resume_a2 "$(scenario +15550911 ivr_caller_bye p4000)" -s 906 -p 15259 -mp 18380
a2=$bg
for _ in $(seq 30); do [ "$(grep -c '|ENTERQUEUE||+15550911|' "$qlog")" -ge 2 ] && break; sleep 0.1; done
line="$(waiting resume)"
[ "$line" = "1:voice:+15550911 2:voice:+15550912" ] && ok "A called back and is first again ($line)" \
  || fail "resume line: '$line'"
wait_case "A hangs up again" "$a2"
wait_case "B hangs up" "$b"
finish
