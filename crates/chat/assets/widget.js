/* Switchyard chat widget. Embed with one tag:
 *   <script src="https://acd.example.com/widget.js" data-queue="500" data-tenant="demo"
 *           data-skills="lang:fr" data-priority-token="…" data-title="Chat with us"></script>
 * Plain script, no dependencies, styles isolated in a shadow root. Protocol:
 * docs/protocol/chat.md (customer). */
(function () {
  'use strict';
  var script = document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-queue]');
  if (!script) return;
  var cfg = {
    queue: script.getAttribute('data-queue') || '',
    tenant: script.getAttribute('data-tenant') || undefined,
    skills: (script.getAttribute('data-skills') || '').split(',').map(function (s) { return s.trim(); }).filter(Boolean),
    priorityToken: script.getAttribute('data-priority-token') || undefined,
    title: script.getAttribute('data-title') || 'Chat with us',
    open: script.hasAttribute('data-open'),
  };
  var base = new URL(script.src, location.href);
  var wsUrl = (base.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + base.host + '/ws/customer';
  var storeKey = 'switchyard:resume:' + base.host + ':' + cfg.queue;

  var CSS = [
    ':host{all:initial;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433}',
    '.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#2f6fed;color:#fff;border:0;border-radius:999px;padding:13px 20px;font:600 15px system-ui;box-shadow:0 6px 20px rgba(0,0,0,.2);cursor:pointer}',
    '.panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;max-width:calc(100vw - 24px);height:520px;max-height:calc(100vh - 110px);background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;font-size:15px}',
    '.head{background:#111827;color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}',
    '.head b{flex:1;font-size:15px}.head button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer}',
    '.body{flex:1;overflow-y:auto;padding:14px;background:#f4f6f9}',
    '.foot{padding:10px;border-top:1px solid #e3e7ee;display:flex;gap:8px;background:#fff}',
    'label{display:block;font-size:13px;color:#667085;margin:10px 0 4px}',
    'input,textarea{width:100%;box-sizing:border-box;border:1px solid #d0d5dd;border-radius:8px;padding:9px;font:inherit}',
    'textarea{resize:none}',
    'button.primary{background:#2f6fed;color:#fff;border:0;border-radius:8px;padding:9px 14px;font:600 14px system-ui;cursor:pointer}',
    'button.link{background:none;border:0;color:#2f6fed;cursor:pointer;font:14px system-ui;padding:6px 0}',
    '.wait{text-align:center;padding:18px 6px}.pos{font-size:46px;font-weight:700;color:#2f6fed;line-height:1.1}',
    '.eta{color:#667085;margin-top:6px}.err{color:#d33b3b;font-size:13px;min-height:1em;margin-top:6px}',
    '.msg{max-width:80%;margin:6px 0;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}',
    '.msg.customer{background:#2f6fed;color:#fff;margin-left:auto}.msg.agent{background:#fff;border:1px solid #e3e7ee}',
    '.msg.system{background:none;color:#667085;font-size:13px;text-align:center;max-width:100%}',
    '.meta{display:block;font-size:11px;opacity:.75;margin-top:2px;text-align:right}',
    '.typing{font-size:13px;color:#667085;font-style:italic;min-height:18px;padding:0 14px;background:#f4f6f9}',
    '.hidden{display:none!important}',
    '@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}'
  ].join('\n');

  var host = document.createElement('div');
  host.id = 'switchyard-widget';
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML = '<style>' + CSS + '</style>' +
    '<button class="launcher" data-testid="sy-launcher"></button>' +
    '<div class="panel hidden" data-testid="sy-panel"><div class="head"><b data-testid="sy-title"></b>' +
    '<button data-testid="sy-close" title="Minimise">&#8211;</button></div>' +
    '<div class="body" data-testid="sy-body"></div><div class="typing" data-testid="sy-typing"></div>' +
    '<div class="foot hidden" data-testid="sy-foot"><textarea rows="1" data-testid="sy-input" placeholder="Type a message"></textarea>' +
    '<button class="primary" data-testid="sy-send">Send</button></div></div>';
  var $ = function (id) { return root.querySelector('[data-testid="' + id + '"]'); };
  var launcher = $('sy-launcher'), panel = $('sy-panel'), body = $('sy-body'), foot = $('sy-foot');
  var input = $('sy-input'), typingEl = $('sy-typing');
  launcher.textContent = cfg.title;
  $('sy-title').textContent = cfg.title;

  var ws = null, state = 'form', lastSeq = 0, retry = 500, typingTimer = null, sentTyping = false;
  var mine = {}; // client_id -> meta element

  function h(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function send(m) {
    if (!ws || ws.readyState !== 1) return false;
    m.v = 1; ws.send(JSON.stringify(m)); return true;
  }
  function fmt(secs) {
    if (secs === null || secs === undefined) return 'Waiting for an agent to come online';
    if (secs < 60) return 'Estimated wait: under a minute';
    return 'Estimated wait: about ' + Math.round(secs / 60) + ' min';
  }
  function open(show) {
    panel.classList.toggle('hidden', !show);
    launcher.classList.toggle('hidden', show);
  }
  launcher.onclick = function () { open(true); if (state === 'form') showForm(); };
  $('sy-close').onclick = function () { open(false); };

  function showForm(err) {
    state = 'form'; foot.classList.add('hidden'); body.innerHTML = '';
    var f = h('form', { 'data-testid': 'sy-join-form' });
    f.appendChild(h('p', {}, 'Hi! Tell us your name and an agent will be with you shortly.'));
    f.appendChild(h('label', { for: 'sy-name' }, 'Your name'));
    var name = h('input', { id: 'sy-name', 'data-testid': 'sy-name', maxlength: '100', autocomplete: 'name', required: '' });
    f.appendChild(name);
    var b = h('button', { class: 'primary', type: 'submit', 'data-testid': 'sy-join', style: 'margin-top:12px;width:100%' }, 'Start chat');
    f.appendChild(b);
    f.appendChild(h('div', { class: 'err', 'data-testid': 'sy-error' }, err || ''));
    f.onsubmit = function (e) {
      e.preventDefault();
      var n = name.value.trim(); if (!n) return;
      connect({ type: 'join', queue: cfg.queue, tenant: cfg.tenant, name: n, skills: cfg.skills, priority_token: cfg.priorityToken });
    };
    body.appendChild(f);
  }

  function showWaiting(pos, eta) {
    if (state !== 'waiting') {
      state = 'waiting'; body.innerHTML = '';
      var w = h('div', { class: 'wait', 'data-testid': 'sy-waiting' });
      w.appendChild(h('div', {}, 'You are number'));
      w.appendChild(h('div', { class: 'pos', 'data-testid': 'sy-position' }, '–'));
      w.appendChild(h('div', {}, 'in line'));
      w.appendChild(h('div', { class: 'eta', 'data-testid': 'sy-eta' }, ''));
      var cb = h('div', { 'data-testid': 'sy-callback-box', style: 'margin-top:18px;text-align:left' });
      var tog = h('button', { class: 'link', 'data-testid': 'sy-callback-open' }, 'Call me back instead');
      var row = h('div', { class: 'hidden' });
      var num = h('input', { 'data-testid': 'sy-callback-number', placeholder: '+1 555 123 4567', type: 'tel', maxlength: '32' });
      var go = h('button', { class: 'primary', 'data-testid': 'sy-callback-send', style: 'margin-top:8px' }, 'Call me back');
      row.appendChild(num); row.appendChild(go);
      tog.onclick = function () { row.classList.toggle('hidden'); };
      go.onclick = function () { if (num.value.trim()) send({ type: 'callback', number: num.value.trim() }); };
      cb.appendChild(tog); cb.appendChild(row);
      cb.appendChild(h('div', { class: 'err', 'data-testid': 'sy-error' }, ''));
      w.appendChild(cb);
      var leave = h('button', { class: 'link', 'data-testid': 'sy-leave' }, 'Leave the queue');
      leave.onclick = doLeave;
      w.appendChild(leave);
      body.appendChild(w);
      foot.classList.remove('hidden');
    }
    if (pos !== undefined && pos !== null) $('sy-position').textContent = String(pos);
    $('sy-eta').textContent = fmt(eta);
  }

  function showChat(agentName) {
    if (state !== 'chat') {
      state = 'chat';
      var w = root.querySelector('[data-testid="sy-waiting"]'); if (w) w.remove();
      var bar = h('div', { class: 'msg system', 'data-testid': 'sy-assigned' }, agentName + ' joined the chat');
      body.appendChild(bar);
      var end = h('button', { class: 'link', 'data-testid': 'sy-end' }, 'End chat');
      end.onclick = doLeave;
      body.insertBefore(end, body.firstChild);
      foot.classList.remove('hidden');
    }
  }

  function addLine(line) {
    if (line.seq) lastSeq = Math.max(lastSeq, line.seq);
    var d = h('div', { class: 'msg ' + line.from, 'data-testid': 'sy-msg-' + line.from });
    d.appendChild(document.createTextNode(line.text));
    var meta = h('span', { class: 'meta' }, new Date(line.at_ms || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    d.appendChild(meta);
    if (line.from === 'customer' && line.client_id) mine[line.client_id] = meta;
    body.appendChild(d);
    body.scrollTop = body.scrollHeight;
    if (line.from === 'agent' && !panel.classList.contains('hidden')) send({ type: 'read', seq: line.seq });
  }

  function showOffline() {
    state = 'offline'; foot.classList.add('hidden'); body.innerHTML = '';
    sessionStorage.removeItem(storeKey);
    var f = h('form', { 'data-testid': 'sy-offline-form' });
    f.appendChild(h('p', {}, 'Nobody can chat right now. Leave us a message and we will get back to you.'));
    f.appendChild(h('label', {}, 'Name'));
    var n = h('input', { 'data-testid': 'sy-offline-name', maxlength: '100', required: '' }); f.appendChild(n);
    f.appendChild(h('label', {}, 'E-mail or phone'));
    var c = h('input', { 'data-testid': 'sy-offline-contact', maxlength: '200', required: '' }); f.appendChild(c);
    f.appendChild(h('label', {}, 'Message'));
    var t = h('textarea', { rows: '4', 'data-testid': 'sy-offline-text', maxlength: '4000', required: '' }); f.appendChild(t);
    f.appendChild(h('button', { class: 'primary', type: 'submit', style: 'margin-top:10px', 'data-testid': 'sy-offline-send' }, 'Send message'));
    f.appendChild(h('div', { class: 'err', 'data-testid': 'sy-error' }, ''));
    f.onsubmit = function (e) {
      e.preventDefault();
      send({ type: 'offline_message', name: n.value, contact: c.value, text: t.value });
    };
    body.appendChild(f);
  }

  function ended(text) {
    state = 'ended'; foot.classList.add('hidden');
    sessionStorage.removeItem(storeKey);
    body.appendChild(h('div', { class: 'msg system', 'data-testid': 'sy-ended' }, text));
    var again = h('button', { class: 'link', 'data-testid': 'sy-restart' }, 'Start a new chat');
    again.onclick = function () { showForm(); };
    body.appendChild(again);
    if (ws) { ws.onclose = null; ws.close(1000); ws = null; }
  }

  function doLeave() {
    sessionStorage.removeItem(storeKey);
    send({ type: 'leave' });
  }

  function onMessage(m) {
    switch (m.type) {
      case 'joined':
        sessionStorage.setItem(storeKey, m.resume_token);
        if (m.state === 'connected') {
          body.innerHTML = ''; state = 'x'; showChat(m.agent_name || 'An agent');
          m.history.forEach(addLine);
        } else if (m.state === 'callback') {
          state = 'callback'; body.innerHTML = '';
          body.appendChild(h('div', { class: 'wait', 'data-testid': 'sy-callback-done' }, 'We will call you back. You keep your place in line.'));
        } else if (m.state === 'ended') {
          // Already out of the line (e.g. straight to voicemail): the reason follows.
          sessionStorage.removeItem(storeKey);
          if (state === 'resuming') showForm(); else state = 'joined';
        } else {
          showWaiting(m.position, m.eta_secs);
          m.history.forEach(addLine);
        }
        break;
      case 'position': if (state === 'waiting') showWaiting(m.position, m.eta_secs); break;
      case 'assigned': showChat(m.agent_name); break;
      case 'message': addLine(m); break;
      case 'ack':
        if (m.client_id && mine[m.client_id]) mine[m.client_id].textContent += m.state === 'delivered' ? ' ✓✓' : ' ✓';
        break;
      case 'read':
        root.querySelectorAll('.msg.customer .meta').forEach(function (e) { if (e.textContent.indexOf('read') < 0) e.textContent += ' · read'; });
        break;
      case 'typing': typingEl.textContent = m.on ? 'Agent is typing…' : ''; break;
      case 'callback_scheduled':
        state = 'callback'; foot.classList.add('hidden'); body.innerHTML = '';
        body.appendChild(h('div', { class: 'wait', 'data-testid': 'sy-callback-done' }, 'We will call you back at ' + m.number + '. You keep your place in line; you can close this window.'));
        break;
      case 'transferred':
      case 'moved':
        if (m.type === 'transferred') { state = 'x'; showWaiting(null, null); }
        body.appendChild(h('div', { class: 'msg system', 'data-testid': 'sy-moved' }, 'You were moved to ' + m.queue_name + '.'));
        break;
      case 'offline': showOffline(); break;
      case 'offline_saved':
        body.innerHTML = '';
        body.appendChild(h('div', { class: 'wait', 'data-testid': 'sy-offline-saved' }, 'Thank you, your message was sent.'));
        break;
      case 'ended':
        ended(m.by === 'customer' ? 'You left the chat.' : 'The chat has ended.');
        break;
      case 'error':
        if (m.code === 'not_found' && state === 'resuming') { sessionStorage.removeItem(storeKey); showForm(); break; }
        if (state === 'connecting') { showForm(m.message); break; }
        var e = root.querySelector('[data-testid="sy-error"]'); if (e) e.textContent = m.message;
        break;
    }
  }

  function connect(first) {
    state = first.type === 'resume' ? 'resuming' : 'connecting';
    ws = new WebSocket(wsUrl);
    ws.onopen = function () { retry = 500; send(first); };
    ws.onmessage = function (e) { try { onMessage(JSON.parse(e.data)); } catch (err) { /* ignore */ } };
    ws.onclose = function (e) {
      var tok = sessionStorage.getItem(storeKey);
      if (tok && e.code !== 4409 && state !== 'ended' && state !== 'offline') {
        setTimeout(function () { connect({ type: 'resume', token: tok }); }, retry);
        retry = Math.min(retry * 2, 8000);
      }
    };
  }

  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); sendText(); return; }
    if (!sentTyping) { sentTyping = true; send({ type: 'typing', on: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { sentTyping = false; send({ type: 'typing', on: false }); }, 1500);
  });
  $('sy-send').onclick = sendText;
  var counter = 0;
  function sendText() {
    var t = input.value.trim(); if (!t) return;
    var id = 'w' + Date.now().toString(36) + (counter++);
    if (send({ type: 'message', text: t, client_id: id })) {
      addLine({ from: 'customer', text: t, client_id: id, at_ms: Date.now() });
      input.value = '';
      if (sentTyping) { sentTyping = false; send({ type: 'typing', on: false }); }
    }
  }

  var saved = sessionStorage.getItem(storeKey);
  if (saved) { open(true); body.innerHTML = ''; connect({ type: 'resume', token: saved }); }
  else if (cfg.open) { open(true); showForm(); }
})();
