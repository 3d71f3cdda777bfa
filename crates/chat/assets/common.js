// Shared by the agent desktop and the supervisor dashboard: a small JSON-over-WebSocket
// client for Switchyard's protocol ({"v":1,"type":"…"}), with reconnect.

export class Channel {
  constructor(path, { onMessage, onOpen, onClose } = {}) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = `${proto}//${location.host}${path}`;
    this.onMessage = onMessage || (() => {});
    this.onOpen = onOpen || (() => {});
    this.onClose = onClose || (() => {});
    this.retry = 500;
    this.stopped = false;
    this.connect();
  }
  connect() {
    this.ws = new WebSocket(this.url);
    this.ws.onopen = () => { this.retry = 500; this.onOpen(); };
    this.ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      this.onMessage(m);
    };
    this.ws.onclose = (e) => {
      const again = this.onClose(e) !== false && !this.stopped && e.code !== 4401 && e.code !== 4409;
      if (again) { setTimeout(() => this.connect(), this.retry); this.retry = Math.min(this.retry * 2, 8000); }
    };
  }
  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ v: 1, ...msg }));
      return true;
    }
    return false;
  }
  stop() { this.stopped = true; if (this.ws) this.ws.close(1000, 'bye'); }
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function duration(secs) {
  if (secs === null || secs === undefined) return '–';
  secs = Math.max(0, Math.round(secs));
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function pct(x) { return `${Math.round((x || 0) * 100)}%`; }

export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// A short two-tone ring with WebAudio (no audio file to ship).
export function ring() {
  try {
    const ctx = ring.ctx || (ring.ctx = new AudioContext());
    const o = ctx.createOscillator(), g = ctx.createGain();
    o.frequency.value = 660; g.gain.value = 0.05;
    o.connect(g).connect(ctx.destination);
    o.start(); o.frequency.setValueAtTime(880, ctx.currentTime + 0.15);
    o.stop(ctx.currentTime + 0.3);
  } catch { /* no audio: the card still blinks */ }
}
