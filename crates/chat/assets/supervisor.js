// Switchyard supervisor dashboard: live queues (depth, longest wait, service level,
// abandon-rate trend), agent board, one-click move, force pause / log out, alarms.
// Protocol: docs/protocol/chat.md (supervisor).
import { Channel, el, duration, pct, clock } from '/chat/assets/common.js';

const $ = (id) => document.getElementById(id);
const KEY = 'switchyard:supervisor';
let auth = JSON.parse(sessionStorage.getItem(KEY) || 'null');
const params = new URLSearchParams(location.search);
if (!auth && params.get('token')) auth = { token: params.get('token'), tenant: params.get('tenant') || 'demo' };
let chan = null;
let queues = [];
const alarms = [];

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
$('load-offline').addEventListener('click', () => chan.send({ type: 'offline_messages' }));

function onMessage(m) {
  switch (m.type) {
    case 'welcome':
      sessionStorage.setItem(KEY, JSON.stringify(auth));
      $('login').classList.add('hidden');
      $('board').classList.remove('hidden');
      $('signout').classList.remove('hidden');
      $('tenant').textContent = m.tenant_name;
      break;
    case 'snapshot': queues = m.queues; renderQueues(); renderAgents(m.agents); break;
    case 'alarm': addAlarm(m); break;
    case 'offline_messages': renderOffline(m.items); break;
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

function renderQueues() {
  const box = $('queues');
  box.replaceChildren(...queues.map((q) => {
    const others = queues.filter((o) => o.id !== q.id);
    const rows = q.line.map((w) => el('tr', { 'data-testid': 'waiter', 'data-interaction': w.interaction },
      el('td', {}, w.position), el('td', {}, w.customer), el('td', {}, duration(w.wait_secs)),
      el('td', { class: 'opt' }, w.channel),
      el('td', {}, ...others.map((o) => el('button', {
        'data-testid': `move-to-${o.name}`, title: `Move to ${o.name}`,
        onclick: () => chan.send({ type: 'move', interaction: w.interaction, queue: o.id }),
      }, `→ ${o.name}`)))));
    return el('section', { class: 'panel', 'data-testid': `queue-${q.name}` },
      el('h2', {}, q.name),
      el('div', { class: 'kpis' },
        el('div', { class: 'kpi' }, el('b', { 'data-testid': 'depth' }, q.waiting), el('span', {}, 'waiting')),
        el('div', { class: 'kpi' }, el('b', { 'data-testid': 'longest' }, duration(q.longest_wait_secs)), el('span', {}, 'longest wait')),
        el('div', { class: 'kpi' }, el('b', { 'data-testid': 'sl' }, pct(q.service_level)), el('span', {}, 'service level')),
        el('div', { class: 'kpi' }, el('b', { 'data-testid': 'abandon' }, pct(q.abandon_rate)), el('span', {}, 'abandon rate')),
        el('div', { class: 'kpi' }, el('b', {}, `${q.agents_available}/${q.agents_logged_in}`), el('span', {}, 'agents free')),
        el('div', { class: 'kpi' }, el('b', {}, duration(q.estimated_wait_secs)), el('span', {}, 'est. wait'))),
      trend(q.trend, q.waiting, q.abandon_rate),
      el('div', { class: 'muted' }, 'depth (blue) and abandon rate (red), last samples'),
      q.line.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'Customer'),
        el('th', {}, 'Wait'), el('th', { class: 'opt' }, 'Channel'), el('th', {}, 'Move'))), el('tbody', {}, ...rows))
        : el('p', { class: 'muted' }, 'Nobody waiting.'));
  }));
}

function renderAgents(agents) {
  $('agents').replaceChildren(...agents.map((a) => el('tr', { 'data-testid': `agent-${a.name}` },
    el('td', {}, a.name),
    el('td', {}, el('span', { class: `badge ${a.status}`, 'data-testid': 'agent-state' }, a.status.replace('_', '-')),
      a.reason ? el('span', { class: 'muted' }, ` ${a.reason}`) : ''),
    el('td', {}, duration(a.since_secs)),
    el('td', { class: 'opt' }, a.active),
    el('td', { class: 'row' },
      a.status === 'break'
        ? el('button', { 'data-testid': 'unpause', onclick: () => chan.send({ type: 'unpause_agent', agent: a.id }) }, 'Unpause')
        : el('button', { 'data-testid': 'pause', disabled: a.status === 'offline', onclick: () => chan.send({ type: 'pause_agent', agent: a.id, reason: 'supervisor' }) }, 'Pause'),
      el('button', { 'data-testid': 'logout', disabled: a.status === 'offline', onclick: () => chan.send({ type: 'logout_agent', agent: a.id }) }, 'Log out')))));
}

function addAlarm(a) {
  alarms.unshift(a);
  alarms.length = Math.min(alarms.length, 20);
  $('alarms').replaceChildren(...alarms.map((x) => el('div', { class: 'alarm', 'data-testid': 'alarm' },
    el('b', {}, String(x.trigger).replace('_', ' ')), ` · ${x.queue_name || ''} · ${clock(x.at_ms)}`)));
}

function renderOffline(items) {
  $('offline').replaceChildren(...(items.length ? items.map((m) => el('div', { style: 'margin:8px 0' },
    el('b', {}, m.name), el('span', { class: 'muted' }, ` (${m.contact}) · ${new Date(m.created_ms).toLocaleString()}`),
    el('div', {}, m.body))) : [el('p', { class: 'muted' }, 'None.')]));
}

if (auth) connect(); else { showLogin(); }
