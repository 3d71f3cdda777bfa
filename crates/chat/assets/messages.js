// The supervisor's "Messages" panel: voicemails (REST /api/v1/tenants/{t}/voicemails, played
// in the page) and chat offline messages (REST /chat/v1/offline-messages) in one list,
// newest first. Both are read with the page's bearer token.
//
// Refresh: a poll every 10 s while the page is visible, at once when it becomes visible
// again and after every action. Voicemails are written by the voice edge and offline
// messages by the chat edge at human pace; a poll keeps both edges and the WebSocket
// protocol unchanged, and costs two indexed LIMIT queries per open dashboard per 10 s.
import { el } from '/chat/assets/common.js';

const POLL_MS = 10_000;
const PAGE = 50;

export function mmss(ms) {
  const s = Math.max(0, Math.round((ms || 0) / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const ss = String(r).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function when(ms) {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function contactLink(c) {
  if (/^[^\s@]+@[^\s@]+$/.test(c)) return el('a', { href: `mailto:${c}` }, c);
  if (/^\+?[\d\s().-]{3,}$/.test(c)) return el('a', { href: `tel:${c.replace(/[^\d+]/g, '')}` }, c);
  return c;
}

function setText(node, v) { v = String(v); if (node.textContent !== v) node.textContent = v; }

// Mounts the panel in the page's `#messages-panel`. `queueName(id)` names queues from the
// live board; `onUnauthorized()` is called when the token is refused.
export function messagesPanel({ token, tenant, queueName, onUnauthorized }) {
  const $ = (id) => document.getElementById(id);
  const list = $('messages'), err = $('messages-error'), more = $('more-messages'), filter = $('messages-filter');
  const count = $('messages-new');
  const rows = new Map(); // 'vm:<id>' | 'om:<id>' -> row
  let vms = [], offline = [], limit = PAGE, timer = null, stopped = false, inflight = null;
  const base = `/api/v1/tenants/${tenant}/voicemails`;
  const headers = { authorization: `Bearer ${token}` };

  async function call(method, url, body) {
    const r = await fetch(url, {
      method, headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    if (r.status === 401) { onUnauthorized(); throw new Error('token refused'); }
    if (!r.ok && r.status !== 404) {
      let detail = '';
      try { detail = (await r.json()).detail; } catch { /* not a problem document */ }
      throw new Error(`${method} failed (${r.status}${detail ? `: ${detail}` : ''})`);
    }
    return r;
  }

  function refresh() {
    if (stopped) return Promise.resolve();
    if (inflight) return inflight;
    inflight = (async () => {
      try {
        const [v, o] = await Promise.all([
          call('GET', `${base}?limit=${limit}`).then((r) => r.json()),
          call('GET', `/chat/v1/offline-messages?tenant=${tenant}&limit=${limit}`).then((r) => r.json()),
        ]);
        if (stopped) return;
        vms = v.items || [];
        offline = o.items || [];
        more.classList.toggle('hidden', vms.length < limit && offline.length < limit);
        setText(err, '');
        render();
      } catch (e) {
        if (!stopped) setText(err, `Messages: ${e.message}`);
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  function schedule() {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => { if (document.visibilityState === 'visible') refresh(); schedule(); }, POLL_MS);
  }
  const onVisible = () => { if (document.visibilityState === 'visible') refresh(); };

  function vmRow(vm) {
    const caller = el('b', { 'data-testid': 'vm-caller' });
    const state = el('span', { 'data-testid': 'vm-state' });
    const queue = el('span', { 'data-testid': 'vm-queue' });
    const time = el('time');
    const dur = el('span', { 'data-testid': 'vm-duration' });
    const player = el('div', { class: 'player' });
    const play = el('button', { class: 'primary', 'data-testid': 'vm-play' }, '▶ Play');
    const heard = el('button', { 'data-testid': 'vm-heard' });
    const del = el('button', { class: 'danger', 'data-testid': 'vm-delete' }, 'Delete');
    const yes = el('button', { class: 'bad', 'data-testid': 'vm-delete-yes' }, 'Delete');
    const no = el('button', { 'data-testid': 'vm-delete-no' }, 'Keep');
    const confirm = el('span', { class: 'row confirm hidden' }, el('span', { class: 'muted' }, 'Delete this voicemail?'), yes, no);
    const node = el('article', { class: 'msg-item vm', 'data-testid': 'voicemail', 'data-id': vm.id },
      el('div', { class: 'msg-icon', 'aria-hidden': 'true' }, '☎'),
      el('div', { class: 'msg-main' },
        el('div', { class: 'msg-title' }, caller, ' ', state),
        el('div', { class: 'muted' }, queue, ' · ', time, ' · ', dur),
        player),
      el('div', { class: 'msg-actions row' }, play, heard, del, confirm));
    const row = { node, caller, state, queue, time, dur, player, play, heard, del, confirm, url: null };
    play.addEventListener('click', () => load(row, vm.id));
    heard.addEventListener('click', () => setHeard(vm.id, !isHeard(vm.id)));
    del.addEventListener('click', () => { del.classList.add('hidden'); confirm.classList.remove('hidden'); });
    no.addEventListener('click', () => { confirm.classList.add('hidden'); del.classList.remove('hidden'); });
    yes.addEventListener('click', () => remove(vm.id));
    return row;
  }

  const isHeard = (id) => { const v = vms.find((x) => x.id === id); return !!(v && v.heard_ms); };

  async function load(row, id) {
    row.play.disabled = true;
    setText(row.play, 'Loading…');
    try {
      const r = await call('GET', `${base}/${id}/audio`);
      if (r.status === 404) throw new Error('the recording is gone');
      row.url = URL.createObjectURL(await r.blob());
      const audio = el('audio', { controls: true, preload: 'metadata', src: row.url, 'data-testid': 'vm-audio' });
      audio.addEventListener('play', () => { if (!isHeard(id)) setHeard(id, true); });
      const dl = el('a', { href: row.url, download: `voicemail-${id}.wav`, class: 'muted', 'data-testid': 'vm-download' }, 'Download');
      row.player.replaceChildren(audio, dl);
      row.play.classList.add('hidden');
      audio.play().catch(() => { /* autoplay refused: the controls are there */ });
    } catch (e) {
      row.play.disabled = false;
      setText(row.play, '▶ Play');
      setText(err, `Voicemail ${id}: ${e.message}`);
    }
  }

  async function setHeard(id, heard) {
    try {
      const r = await call('PUT', `${base}/${id}/heard`, { heard });
      if (r.status === 404) { vms = vms.filter((v) => v.id !== id); render(); return; }
      const v = await r.json();
      vms = vms.map((x) => (x.id === id ? v : x));
      render();
    } catch (e) { setText(err, `Voicemail ${id}: ${e.message}`); }
  }

  async function remove(id) {
    try {
      await call('DELETE', `${base}/${id}`);
      vms = vms.filter((v) => v.id !== id);
      render();
    } catch (e) { setText(err, `Voicemail ${id}: ${e.message}`); }
  }

  function omRow() {
    const name = el('b', { 'data-testid': 'om-name' });
    const contact = el('span', { class: 'contact', 'data-testid': 'om-contact' });
    const queue = el('span');
    const time = el('time');
    const body = el('p', { class: 'msg-body', 'data-testid': 'om-body' });
    const node = el('article', { class: 'msg-item chat', 'data-testid': 'offline-message' },
      el('div', { class: 'msg-icon', 'aria-hidden': 'true' }, '✉'),
      el('div', { class: 'msg-main' },
        el('div', { class: 'msg-title' }, name, ' ', contact, ' ', el('span', { class: 'badge chat' }, 'chat')),
        el('div', { class: 'muted' }, queue, ' · ', time),
        body));
    return { node, name, contact, queue, time, body, contactText: null };
  }

  function render() {
    const f = filter.value;
    const items = [
      ...(f === 'chat' ? [] : vms.filter((v) => f !== 'new' || !v.heard_ms).map((v) => ({ key: `vm:${v.id}`, at: v.created_ms, v }))),
      ...(f === 'all' || f === 'chat' ? offline.map((m) => ({ key: `om:${m.id}`, at: m.created_ms, m })) : []),
    ].sort((a, b) => b.at - a.at || (a.key < b.key ? 1 : -1));
    const seen = new Set();
    items.forEach((it, idx) => {
      seen.add(it.key);
      let r = rows.get(it.key);
      if (!r) { r = it.v ? vmRow(it.v) : omRow(); rows.set(it.key, r); }
      if (list.children[idx] !== r.node) list.insertBefore(r.node, list.children[idx] || null);
      const q = (id) => (id == null ? 'no queue' : queueName(id) || `queue ${id}`);
      if (it.v) {
        const v = it.v;
        setText(r.caller, v.caller_id || 'Unknown caller');
        const heard = !!v.heard_ms;
        r.node.classList.toggle('new', !heard);
        const cls = `badge ${heard ? 'heard' : 'new'}`;
        if (r.state.className !== cls) r.state.className = cls;
        setText(r.state, heard ? 'heard' : 'new');
        setText(r.heard, heard ? 'Mark new' : 'Mark heard');
        setText(r.queue, q(v.queue_id));
        setText(r.time, when(v.created_ms));
        r.time.setAttribute('datetime', new Date(v.created_ms).toISOString());
        setText(r.dur, mmss(v.duration_ms));
      } else {
        const m = it.m;
        setText(r.name, m.name || 'Anonymous');
        if (r.contactText !== m.contact) { r.contactText = m.contact; r.contact.replaceChildren(m.contact ? contactLink(m.contact) : ''); }
        setText(r.queue, q(m.queue_id));
        setText(r.time, when(m.created_ms));
        r.time.setAttribute('datetime', new Date(m.created_ms).toISOString());
        setText(r.body, m.body);
      }
    });
    for (const [k, r] of rows) {
      if (!seen.has(k)) { r.node.remove(); if (r.url) URL.revokeObjectURL(r.url); rows.delete(k); }
    }
    const fresh = vms.filter((v) => !v.heard_ms).length;
    setText(count, fresh ? `${fresh} new` : '');
    count.classList.toggle('hidden', !fresh);
    let empty = list.querySelector('.empty');
    if (!items.length && !empty) list.append(el('p', { class: 'muted empty' }, 'No messages.'));
    if (items.length && empty) empty.remove();
  }

  const onFilter = () => render();
  const onMore = () => { limit = Math.min(limit + PAGE, 1000); refresh(); };
  const onRefresh = () => refresh();
  filter.addEventListener('change', onFilter);
  more.addEventListener('click', onMore);
  $('refresh-messages').addEventListener('click', onRefresh);
  document.addEventListener('visibilitychange', onVisible);
  refresh();
  schedule();

  return {
    key: `${tenant}:${token}`,
    refresh,
    /// Queue names changed on the board: relabel in place.
    relabel: () => render(),
    stop() {
      stopped = true;
      clearTimeout(timer);
      filter.removeEventListener('change', onFilter);
      more.removeEventListener('click', onMore);
      $('refresh-messages').removeEventListener('click', onRefresh);
      document.removeEventListener('visibilitychange', onVisible);
      for (const r of rows.values()) { if (r.url) URL.revokeObjectURL(r.url); r.node.remove(); }
      rows.clear();
      list.replaceChildren();
    },
  };
}
