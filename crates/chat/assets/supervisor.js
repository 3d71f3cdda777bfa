// Switchyard supervisor dashboard: live queues (depth, longest wait, service level,
// abandon-rate trend), agent board, one-click move, force pause / log out, alarms, and the
// Messages panel (voicemails and chat offline messages, messages.js).
// Protocol: docs/protocol/chat.md (supervisor).
import { Channel, el, duration, pct, clock } from '/chat/assets/common.js';
import { messagesPanel } from '/chat/assets/messages.js';

const $ = (id) => document.getElementById(id);
const KEY = 'switchyard:supervisor';
let auth = JSON.parse(sessionStorage.getItem(KEY) || 'null');
const params = new URLSearchParams(location.search);
if (!auth && params.get('token')) auth = { token: params.get('token'), tenant: params.get('tenant') || 'demo' };
let chan = null;
let queues = [];
const alarms = [];
let messages = null;
let queueNames = '';

function connect() {
  chan = new Channel('/ws/supervisor', {
    onOpen: () => { $('conn').className = 'badge available'; $('conn').textContent = 'live'; if (auth) chan.send({ type: 'auth', ...auth }); },
    onMessage,
    onClose: (e) => {
      $('conn').className = 'badge offline'; $('conn').textContent = 'offline';
      if (e.code === 4401) { auth = null; sessionStorage.removeItem(KEY); showLogin('Invalid token.'); return false; }
      return true;
    },
  });
}

function showLogin(err) {
  if (messages) { messages.stop(); messages = null; }
  $('login').classList.remove('hidden');
  $('board').classList.add('hidden');
  $('signout').classList.add('hidden');
  $('login-error').textContent = err || '';
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  auth = { token: $('token').value.trim(), tenant: $('tenant-in').value.trim() || undefined };
  if (!chan || chan.stopped) connect(); else if (!chan.send({ type: 'auth', ...auth })) chan.ws.close();
});
$('signout').addEventListener('click', () => { sessionStorage.removeItem(KEY); auth = null; chan.stop(); chan = null; showLogin(); });

function onMessage(m) {
  switch (m.type) {
    case 'welcome':
      sessionStorage.setItem(KEY, JSON.stringify(auth));
      $('login').classList.add('hidden');
      $('board').classList.remove('hidden');
      $('signout').classList.remove('hidden');
      $('tenant').textContent = m.tenant_name;
      // A reconnect welcomes again: keep the panel (and a voicemail playing) if nothing changed.
      if (messages && messages.key !== `${m.tenant}:${auth.token}`) { messages.stop(); messages = null; }
      if (!messages) messages = messagesPanel({
        token: auth.token, tenant: m.tenant,
        queueName: (id) => (queues.find((q) => q.id === id) || {}).name,
        onUnauthorized: () => { auth = null; sessionStorage.removeItem(KEY); if (chan) chan.stop(); chan = null; showLogin('Invalid token.'); },
      });
      break;
    case 'snapshot': {
      queues = m.queues; renderQueues(); renderAgents(m.agents);
      const names = queues.map((q) => `${q.id}:${q.name}`).join(',');
      if (names !== queueNames) { queueNames = names; if (messages) messages.relabel(); }
      break;
    }
    case 'alarm': addAlarm(m); break;
    case 'error':
      if ($('board').classList.contains('hidden')) showLogin(m.message);
      else addAlarm({ trigger: 'error', queue_name: m.message, at_ms: Date.now() });
      break;
  }
}

function trend(samples, waiting, abandon) {
  // Two lines: depth (scaled to its max) and abandon rate (0..1), oldest to newest.
  const pts = [...samples, { waiting, abandon_rate: abandon }];
  const W = 300, H = 48, n = Math.max(pts.length - 1, 1);
  const maxDepth = Math.max(1, ...pts.map((p) => p.waiting));
  const line = (f) => pts.map((p, i) => `${(i / n) * W},${H - 4 - f(p) * (H - 8)}`).join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'trend');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.innerHTML = `<polyline fill="none" stroke="#2f6fed" stroke-width="2" points="${line((p) => p.waiting / maxDepth)}"/>` +
    `<polyline fill="none" stroke="#d33b3b" stroke-width="2" stroke-dasharray="4 3" points="${line((p) => p.abandon_rate)}"/>`;
  return svg;
}

// The board is updated in place, keyed by queue, waiter and agent ids: a snapshot
// arrives up to four times a second and buttons must not move under the pointer.
const cards = new Map(); // queue id -> { node, kpis, trendBox, lineBox, rows: Map }
const agentRows = new Map(); // agent id -> { node, cells }

function text(node, value) { const v = String(value); if (node.textContent !== v) node.textContent = v; }

function queueCard(q) {
  const kpi = (label, testid) => {
    const b = el('b', testid ? { 'data-testid': testid } : {});
    return [b, el('div', { class: 'kpi' }, b, el('span', {}, label))];
  };
  const k = {
    depth: kpi('waiting', 'depth'), longest: kpi('longest wait', 'longest'), sl: kpi('service level', 'sl'),
    abandon: kpi('abandon rate', 'abandon'), free: kpi('agents free'), eta: kpi('est. wait'),
  };
  const trendBox = el('div');
  const tbody = el('tbody');
  const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'Customer'),
    el('th', {}, 'Wait'), el('th', { class: 'opt' }, 'Channel'), el('th', {}, 'Move'))), tbody);
  const empty = el('p', { class: 'muted' }, 'Nobody waiting.');
  const node = el('section', { class: 'panel', 'data-testid': `queue-${q.name}` }, el('h2', {}, q.name),
    el('div', { class: 'kpis' }, ...Object.values(k).map((x) => x[1])), trendBox,
    el('div', { class: 'muted' }, 'depth (blue) and abandon rate (red), last samples'), table, empty);
  return { node, k, trendBox, tbody, table, empty, rows: new Map(), targets: '' };
}

function waiterRow(card, w, others) {
  const cells = { pos: el('td'), name: el('td'), wait: el('td'), channel: el('td', { class: 'opt' }), move: el('td', { class: 'move' }) };
  const node = el('tr', { 'data-testid': 'waiter', 'data-interaction': w.interaction }, ...Object.values(cells));
  const row = { node, cells, targets: '' };
  card.rows.set(w.interaction, row);
  return row;
}

function renderQueues() {
  const box = $('queues');
  const seen = new Set();
  for (const q of queues) {
    seen.add(q.id);
    let c = cards.get(q.id);
    if (!c) { c = queueCard(q); cards.set(q.id, c); }
    if (box.children[queues.indexOf(q)] !== c.node) box.insertBefore(c.node, box.children[queues.indexOf(q)] || null);
    text(c.k.depth[0], q.waiting);
    text(c.k.longest[0], duration(q.longest_wait_secs));
    text(c.k.sl[0], pct(q.service_level));
    text(c.k.abandon[0], pct(q.abandon_rate));
    text(c.k.free[0], `${q.agents_available}/${q.agents_logged_in}`);
    text(c.k.eta[0], duration(q.estimated_wait_secs));
    c.trendBox.replaceChildren(trend(q.trend, q.waiting, q.abandon_rate));
    const others = queues.filter((o) => o.id !== q.id);
    const targets = others.map((o) => `${o.id}:${o.name}`).join(',');
    const live = new Set(q.line.map((w) => w.interaction));
    for (const [id, row] of c.rows) if (!live.has(id)) { row.node.remove(); c.rows.delete(id); }
    q.line.forEach((w, idx) => {
      const row = c.rows.get(w.interaction) || waiterRow(c, w, others);
      if (c.tbody.children[idx] !== row.node) c.tbody.insertBefore(row.node, c.tbody.children[idx] || null);
      text(row.cells.pos, w.position);
      text(row.cells.name, w.customer);
      text(row.cells.wait, duration(w.wait_secs));
      text(row.cells.channel, w.channel);
      if (row.targets !== targets) {
        row.targets = targets;
        row.cells.move.replaceChildren(...others.map((o) => el('button', {
          'data-testid': `move-to-${o.name}`, title: `Move to ${o.name}`,
          onclick: () => chan.send({ type: 'move', interaction: w.interaction, queue: o.id }),
        }, `→ ${o.name}`)));
      }
    });
    c.table.classList.toggle('hidden', q.line.length === 0);
    c.empty.classList.toggle('hidden', q.line.length > 0);
  }
  for (const [id, c] of cards) if (!seen.has(id)) { c.node.remove(); cards.delete(id); }
}

function renderAgents(agents) {
  const body = $('agents');
  const seen = new Set();
  agents.forEach((a, idx) => {
    seen.add(a.id);
    let r = agentRows.get(a.id);
    if (!r) {
      const badge = el('span', { 'data-testid': 'agent-state' });
      const reason = el('span', { class: 'muted' });
      const pause = el('button', { 'data-testid': 'pause' }, 'Pause');
      const unpause = el('button', { 'data-testid': 'unpause' }, 'Unpause');
      const logout = el('button', { 'data-testid': 'logout' }, 'Log out');
      const cells = { name: el('td'), state: el('td', {}, badge, reason), since: el('td'), active: el('td', { class: 'opt' }),
        actions: el('td', { class: 'row' }, pause, unpause, logout) };
      const node = el('tr', { 'data-testid': `agent-${a.name}` }, ...Object.values(cells));
      pause.addEventListener('click', () => chan.send({ type: 'pause_agent', agent: a.id, reason: 'supervisor' }));
      unpause.addEventListener('click', () => chan.send({ type: 'unpause_agent', agent: a.id }));
      logout.addEventListener('click', () => chan.send({ type: 'logout_agent', agent: a.id }));
      r = { node, cells, badge, reason, pause, unpause, logout };
      agentRows.set(a.id, r);
    }
    if (body.children[idx] !== r.node) body.insertBefore(r.node, body.children[idx] || null);
    text(r.cells.name, a.name);
    if (r.badge.className !== `badge ${a.status}`) r.badge.className = `badge ${a.status}`;
    text(r.badge, a.status.replace('_', '-'));
    text(r.reason, a.reason ? ` ${a.reason}` : '');
    text(r.cells.since, duration(a.since_secs));
    text(r.cells.active, a.active);
    r.pause.classList.toggle('hidden', a.status === 'break');
    r.unpause.classList.toggle('hidden', a.status !== 'break');
    r.pause.disabled = a.status === 'offline';
    r.logout.disabled = a.status === 'offline';
  });
  for (const [id, r] of agentRows) if (!seen.has(id)) { r.node.remove(); agentRows.delete(id); }
}

function addAlarm(a) {
  alarms.unshift(a);
  alarms.length = Math.min(alarms.length, 20);
  $('alarms').replaceChildren(...alarms.map((x) => el('div', { class: 'alarm', 'data-testid': 'alarm' },
    el('b', {}, String(x.trigger).replace('_', ' ')), ` · ${x.queue_name || ''} · ${clock(x.at_ms)}`)));
}

if (auth) connect(); else { showLogin(); }
