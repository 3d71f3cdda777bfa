#!/usr/bin/env python3
"""Checks the digest (RFC 2617 / 8760, MD5 or SHA-256, qop=auth or none) of every INVITE with
an Authorization or Proxy-Authorization header in a SIPp -trace_msg log, for a user and
password. Prints how many were checked; exits 1 if any is wrong or none was found."""
import hashlib
import re
import sys

log, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(log, encoding="latin-1").read()
checked, bad = 0, []
for msg in re.split(r"\n(?=-+ \d)", text):
    m = re.search(r"^INVITE (\S+) SIP/2.0", msg, re.M)
    a = re.search(r"^(?:Proxy-)?Authorization:\s*Digest\s+(.*)$", msg, re.M | re.I)
    if not (m and a):
        continue
    p = dict((k.lower(), v.strip('"')) for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', a.group(1)))
    algo = p.get("algorithm", "MD5").upper()
    h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) if algo == "SHA-256" else (lambda s: hashlib.md5(s.encode()).hexdigest())
    ha1 = h(f"{user}:{p['realm']}:{password}")
    ha2 = h(f"INVITE:{p['uri']}")
    if p.get("qop"):
        want = h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}")
    else:
        want = h(f"{ha1}:{p['nonce']}:{ha2}")
    checked += 1
    if p.get("username") != user or p.get("response") != want or p.get("uri") != m.group(1):
        bad.append(p.get("response"))
print(f"{checked} authenticated INVITEs, {len(bad)} wrong")
sys.exit(1 if bad or checked == 0 else 0)
