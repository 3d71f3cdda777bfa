#!/usr/bin/env python3
"""Receives the music-on-hold RTP of a few SIPp callers (their SDP points here) for a
fixed time and prints the RFC 3550 interarrival jitter per call and the largest deviation
of an inter-arrival gap from 20 ms. Usage: jitter.py port seconds"""
import socket, struct, sys, time

port, secs = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("127.0.0.1", port))
s.settimeout(0.5)
calls = {}  # source -> [last_arrival, last_ts, jitter_ms, max_gap_dev_ms, packets]
end = time.monotonic() + secs
while time.monotonic() < end:
    try:
        data, src = s.recvfrom(2048)
    except socket.timeout:
        continue
    now = time.monotonic()
    if len(data) < 12:
        continue
    ts = struct.unpack("!I", data[4:8])[0]
    c = calls.get(src)
    if c is None:
        calls[src] = [now, ts, 0.0, 0.0, 1]
        continue
    gap = (now - c[0]) * 1000.0
    d = gap - ((ts - c[1]) & 0xFFFFFFFF) / 8.0  # 8 kHz clock
    c[2] += (abs(d) - c[2]) / 16.0
    if c[4] > 50:  # past the first second (prompts/MOH start)
        c[3] = max(c[3], abs(gap - 20.0))
    c[0], c[1], c[4] = now, ts, c[4] + 1
if not calls:
    print("   jitter: no RTP received")
    sys.exit(1)
j = [c[2] for c in calls.values()]
g = [c[3] for c in calls.values()]
n = [c[4] for c in calls.values()]
print("   MOH jitter at %d sampled callers (RFC 3550): mean %.2f ms, max %.2f ms; largest gap "
      "deviation from 20 ms %.2f ms; %d-%d packets each" % (len(j), sum(j) / len(j), max(j), max(g), min(n), max(n)))
