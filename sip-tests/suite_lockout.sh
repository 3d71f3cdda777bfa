#!/usr/bin/env bash
# Digest login lockout through the real binary (issue 14, credentials): SIP passwords are
# stored as HA1 and checked with MD5 (what SIPp speaks; SHA-256 is covered by the Rust
# tests); after 3 wrong answers user 1001 is locked (403, even with the right password,
# which is not checked); a REGISTER without credentials still gets 401 but does not reset
# the count; the lock lifts after --auth-lockout-secs (2 s) and the next lock (without a
# success between) lasts twice as long (4 s). The lockout is logged and counted in /metrics; no password is logged.
. "$(dirname "$0")/lib.sh"

start_server --auth-max-failures 3 --auth-lockout-secs 2 --auth-lockout-max-secs 8 <<'TOML'
[[tenants]]
name = "lockout-tests"

[[tenants.agents]]
name = "alice"
sip_username = "1001"
sip_password = "sip-pw-baab"
TOML

register_agent 1001 15401
sipp_case "3 wrong answers: 401, 401, then 403 (locked)" "$here/register_wrong_password.xml"
sipp_case "right password while locked: 403 without a check" "$here/register_locked.xml"
expect_server 'SIP account locked' "the lockout is logged"
if api GET /metrics | grep 'switchyard_auth_lockouts_total{' | grep 'edge="sip"' | grep 'key="account"' >/dev/null; then
  ok "lockout counted in /metrics"; else fail "no switchyard_auth_lockouts_total for sip/account in /metrics"; fi
if api GET /metrics | grep '^switchyard_auth_locked{' | grep 'edge="sip"' >/dev/null; then
  ok "locked entries gauge in /metrics"; else fail "no switchyard_auth_locked gauge in /metrics"; fi
sleep 2.2
# The lock lifted after 2 s: the wrong answers are checked (401) again, and lock again.
sipp_case "lifted after 2 s; 3 more wrong answers: 401, 401, 403" "$here/register_wrong_password.xml"
sleep 2.2
sipp_case "2.2 s later still locked: the second lock lasts 4 s" "$here/register_locked.xml"
sleep 2
register_agent 1001 15401 # lifted; a success forgets the count and the back-off

if server_log | grep -e 'sip-pw-baab' -e 'password=wrong' >/dev/null; then
  fail "a password is in the server log"; else ok "no password in the server log"; fi
finish
