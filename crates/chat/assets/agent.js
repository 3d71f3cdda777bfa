// Switchyard agent desktop: sign in, presence, offers, several chats, wrap-up,
// take next, transfer, history. Protocol: docs/protocol/chat.md (agent).
import { Channel, el, clock, ring } from '/chat/assets/common.js';

const $ = (id) => document.getElementById(id);
const KEY = 'switchyard:agent';
const chats = new Map(); // interaction -> { customer, queueName, lines: [], unread, ended, node }
const offers = new Map(); // offer -> { card, timer }
let me = null;
let current = null;
let creds = JSON.parse(sessionStorage.getItem(KEY) || 'null');
let chan = null;
let typingOut = null;

function connect() {
  chan = new Channel('/ws/agent', {
    onOpen: () => { if (creds) chan.send({ type: 'login', ...creds }); },
    onMessage,
    onClose: (e) => {
      if (e.code === 4401) { creds = null; sessionStorage.removeItem(KEY); showLogin('Wrong login or password.'); return false; }
      if (e.code === 4409) { showLogin('Signed in elsewhere.'); return false; }
      setStatus('offline');
      return true;
    },
  });
}

function showLogin(err) {
  $('login').classList.remove('hidden');
  $('desk').classList.add('hidden');
  $('presence-box').classList.add('hidden');
  $('login-error').textContent = err || '';
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  creds = { login: $('login-name').value.trim(), password: $('login-pass').value };
  $('login-error').textContent = '';
  if (!chan || chan.stopped) connect(); else if (!chan.send({ type: 'login', ...creds })) chan.ws.close();
});

function setStatus(status, reason) {
  const b = $('status');
  b.className = `badge ${status}`;
  b.textContent = status.replace('_', '-') + (reason ? ` (${reason})` : '');
  $('wrap').classList.toggle('hidden', status !== 'wrap_up');
  if (['available', 'break', 'offline'].includes(status)) $('presence').value = status;
}

function onMessage(m) {
  switch (m.type) {
    case 'welcome':
      me = m;
      sessionStorage.setItem(KEY, JSON.stringify(creds));
      $('login').classList.add('hidden');
      $('desk').classList.remove('hidden');
      $('presence-box').classList.remove('hidden');
      $('who').textContent = m.name;
      $('capacity').textContent = `(up to ${m.chat_capacity})`;
      setStatus(m.status);
      renderQueues(m.queues);
      // Chats still connected to us (after a reload or a reconnect).
      for (const c of m.chats || []) if (!chats.has(c.interaction)) startChat(c);
      break;
    case 'status': setStatus(m.status, m.reason); break;
    case 'offer': showOffer(m); break;
    case 'offer_cancelled': dropOffer(m.offer); break;
    case 'chat_started': startChat(m); break;
    case 'message': addLine(m.interaction, m); break;
    case 'ack': markMine(m.interaction, m.client_id, '✓'); break;
    case 'delivered': markMine(m.interaction, m.client_id, '✓✓'); break;
    case 'read': {
      const c = chats.get(m.interaction);
      if (c) c.lines.forEach((l) => { if (l.from === 'agent' && l.seq <= m.seq) l.read = true; });
      if (m.interaction === current) renderConversation();
      break;
    }
    case 'typing':
      if (m.interaction === current) $('typing').textContent = m.on ? 'Customer is typing…' : '';
      break;
    case 'chat_ended': endChat(m.interaction, m.by); break;
    case 'history': {
      const c = chats.get(m.interaction);
      if (c) { c.lines = m.messages; if (m.interaction === current) renderConversation(); }
      break;
    }
    case 'claimed': break;
    case 'offline_messages': renderOffline(m.items); break;
    case 'error': flash(m.message); if (!me) showLogin(m.message); break;
  }
}

function flash(text) {
  const n = el('div', { class: 'panel alarm', 'data-testid': 'agent-error' }, text);
  $('offers').prepend(n);
  setTimeout(() => n.remove(), 5000);
}

function renderQueues(queues) {
  const box = $('queues');
  box.replaceChildren();
  const sel = $('transfer-to');
  sel.replaceChildren(...queues.map((q) => el('option', { value: q.id }, q.name)));
  for (const q of queues.filter((q) => q.member)) {
    const row = el('div', { class: 'row', style: 'justify-content:space-between;margin:4px 0' },
      el('span', {}, q.name, q.pull_mode ? el('span', { class: 'muted' }, ' · pull') : ''),
      q.pull_mode ? el('button', { 'data-testid': `take-next-${q.id}`, onclick: () => chan.send({ type: 'take_next', queue: q.id }) }, 'Take next') : '');
    box.append(row);
  }
  box.append(el('button', { 'data-testid': 'take-next', style: 'margin-top:6px', onclick: () => chan.send({ type: 'take_next' }) }, 'Take next (any pull queue)'));
}

function showOffer(m) {
  ring();
  let left = m.ring_secs;
  const count = el('span', { class: 'muted' }, ` ${left}s`);
  const card = el('div', { class: 'panel offer', 'data-testid': 'offer' },
    el('div', { class: 'row', style: 'justify-content:space-between' },
      el('div', {}, el('b', {}, m.customer || 'Customer'), ` · ${m.channel} · ${m.queue_name}`, count),
      el('div', { class: 'row' },
        el('button', { class: 'ok', 'data-testid': 'accept', onclick: () => chan.send({ type: 'accept', offer: m.offer }) }, 'Accept'),
        el('button', { 'data-testid': 'reject', onclick: () => { chan.send({ type: 'reject', offer: m.offer }); dropOffer(m.offer); } }, 'Reject'))),
    m.history.length ? el('div', { class: 'muted' }, `“${m.history[m.history.length - 1].text}”`) : '');
  const timer = setInterval(() => { left -= 1; count.textContent = ` ${Math.max(0, left)}s`; if (left % 3 === 0 && left > 0) ring(); }, 1000);
  offers.set(m.offer, { card, timer, interaction: m.interaction });
  $('offers').append(card);
}

function dropOffer(id) {
  const o = offers.get(id);
  if (!o) return;
  clearInterval(o.timer);
  o.card.remove();
  offers.delete(id);
}

function startChat(m) {
  // The accepted offer's card goes; so would any other card for the same interaction.
  for (const [id, o] of [...offers]) if (o.interaction === m.interaction) dropOffer(id);
  chats.set(m.interaction, { customer: m.customer, queueName: m.queue_name, channel: m.channel, lines: m.history || [], unread: 0, ended: false });
  select(m.interaction);
}

function select(id) {
  current = id;
  const c = chats.get(id);
  c.unread = 0;
  $('conv-title').textContent = `${c.customer} · ${c.queueName}${c.ended ? ' (ended)' : ''}`;
  $('conv-actions').classList.toggle('hidden', c.ended);
  $('text').disabled = c.ended;
  $('send').disabled = c.ended;
  $('typing').textContent = '';
  renderChats();
  renderConversation();
  const last = c.lines.filter((l) => l.from === 'customer').pop();
  if (last && !c.ended) chan.send({ type: 'read', interaction: id, seq: last.seq });
}

function renderChats() {
  const box = $('chats');
  box.replaceChildren();
  if (!chats.size) { box.append(el('p', { class: 'muted' }, 'No chat yet.')); return; }
  for (const [id, c] of chats) {
    box.append(el('div', {
      class: `chat-item${id === current ? ' active' : ''}`, 'data-testid': 'chat-item',
      onclick: () => select(id),
    }, el('b', {}, c.customer), ` · ${c.queueName}`, c.ended ? el('span', { class: 'muted' }, ' · ended') : '',
    c.unread ? el('span', { class: 'unread' }, c.unread) : ''));
  }
}

function renderConversation() {
  const box = $('messages');
  const c = chats.get(current);
  box.replaceChildren();
  if (!c) return;
  for (const l of c.lines) {
    const tick = l.from === 'agent' ? ` ${l.read ? '· read' : l.mark || ''}` : '';
    box.append(el('div', { class: `msg ${l.from}`, 'data-testid': `msg-${l.from}` }, l.text,
      el('span', { class: 'meta' }, clock(l.at_ms || Date.now()) + tick)));
  }
  box.scrollTop = box.scrollHeight;
}

function addLine(id, line) {
  const c = chats.get(id);
  if (!c) return;
  c.lines.push(line);
  if (id === current) {
    renderConversation();
    if (line.from === 'customer') { chan.send({ type: 'read', interaction: id, seq: line.seq }); $('typing').textContent = ''; }
  } else { c.unread += 1; renderChats(); }
}

function markMine(id, clientId, mark) {
  const c = chats.get(id);
  if (!c || !clientId) return;
  const l = c.lines.find((x) => x.client_id === clientId);
  if (l && l.mark !== '✓✓') l.mark = mark;
  if (id === current) renderConversation();
}

function endChat(id, by) {
  const c = chats.get(id);
  if (!c) return;
  c.ended = true;
  c.lines.push({ from: 'system', text: by === 'customer' ? 'The customer left.' : 'Chat closed.', at_ms: Date.now() });
  if (id === current) select(id); else renderChats();
}

let counter = 0;
function sendText() {
  const t = $('text').value.trim();
  if (!t || current === null) return;
  const client_id = `a${Date.now().toString(36)}${counter++}`;
  if (chan.send({ type: 'message', interaction: current, text: t, client_id })) {
    chats.get(current).lines.push({ from: 'agent', text: t, client_id, at_ms: Date.now() });
    $('text').value = '';
    renderConversation();
    chan.send({ type: 'typing', interaction: current, on: false });
  }
}

$('send').addEventListener('click', sendText);
$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); sendText(); return; }
  if (current === null) return;
  if (!typingOut) chan.send({ type: 'typing', interaction: current, on: true });
  clearTimeout(typingOut);
  typingOut = setTimeout(() => { typingOut = null; chan.send({ type: 'typing', interaction: current, on: false }); }, 1500);
});
$('complete').addEventListener('click', () => { if (current !== null) chan.send({ type: 'complete', interaction: current }); });
$('transfer').addEventListener('click', () => {
  if (current !== null) chan.send({ type: 'transfer', interaction: current, queue: Number($('transfer-to').value) });
});
$('set-presence').addEventListener('click', () => {
  const status = $('presence').value;
  chan.send({ type: 'presence', status, reason: status === 'break' ? ($('reason').value.trim() || undefined) : undefined });
});
$('wrap').addEventListener('click', () => chan.send({ type: 'end_wrap_up' }));
$('logout').addEventListener('click', () => {
  chan.send({ type: 'presence', status: 'offline' });
  sessionStorage.removeItem(KEY);
  creds = null; me = null;
  setTimeout(() => { chan.stop(); chan = null; showLogin(); }, 100);
});
$('load-offline').addEventListener('click', () => chan.send({ type: 'offline_messages' }));

function renderOffline(items) {
  const box = $('offline');
  box.replaceChildren(...(items.length ? items.map((m) => el('div', { class: 'muted', style: 'margin:6px 0' },
    el('b', {}, m.name), ` (${m.contact}) · ${new Date(m.created_ms).toLocaleString()}`, el('div', {}, m.body))) : [el('p', { class: 'muted' }, 'None.')]));
}

if (creds) connect(); else showLogin();
