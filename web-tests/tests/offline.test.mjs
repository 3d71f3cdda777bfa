// The widget embedded in another site (another origin) with one tag; a queue nobody
// can serve sends the chat to voicemail, so the widget offers the message form; the
// message is stored and listed to supervisors (page and REST) and agents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, shot, ADMIN_TOKEN } from '../lib/harness.mjs';

const T = { timeout: 10_000 };
let server, browser, shopServer, alice, sup;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  if (shopServer) shopServer.close();
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function api(method, path, body) {
  const r = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test('voicemail overflow offers the message form; the message reaches supervisors', async () => {
  const tenants = await api('GET', '/tenants?name=demo');
  const demo = tenants.items.find((t) => t.name === 'demo');
  await api('POST', `/tenants/${demo.id}/queues`, {
    name: 'after-hours',
    numbers: ['599'],
    settings: {
      join_empty: 'none_logged_in',
      overflow: [{ on: ['no_agents', 'after_hours'], action: { type: 'voicemail' } }],
    },
  });

  const page = await browser.context.newPage();
  const html = `<!doctype html><html><head><meta name="viewport" content="width=device-width"></head>
    <body><h1>Some other shop</h1>
    <script src="${server.base}/widget.js" data-queue="599" data-tenant="demo" data-title="Talk to us"></script>
    </body></html>`;
  // Another origin: a tiny "shop" site on its own port embeds the widget.
  shopServer = createServer((_, res) => { res.setHeader('content-type', 'text/html'); res.end(html); });
  await new Promise((r) => shopServer.listen(0, '127.0.0.1', r));
  const shop = `http://127.0.0.1:${shopServer.address().port}/`;
  await page.goto(shop);
  await page.locator('[data-testid=sy-launcher]').filter({ hasText: 'Talk to us' }).click();
  await page.locator('[data-testid=sy-name]').fill('Dora');
  await page.locator('[data-testid=sy-join]').click();
  await page.locator('[data-testid=sy-offline-form]').waitFor(T);
  await page.locator('[data-testid=sy-offline-name]').fill('Dora');
  await page.locator('[data-testid=sy-offline-contact]').fill('dora@example.com');
  await page.locator('[data-testid=sy-offline-text]').fill('Please call me about my order 42.');
  await shot(page, 'widget-offline-form');
  await page.locator('[data-testid=sy-offline-send]').click();
  await page.locator('[data-testid=sy-offline-saved]').waitFor(T);

  const r = await fetch(`${server.base}/chat/v1/offline-messages?tenant=${demo.id}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const list = await r.json();
  assert.equal(list.items[0].contact, 'dora@example.com');
  assert.match(list.items[0].body, /order 42/);

  sup = await browser.context.newPage();
  await sup.goto(`${server.base}/supervisor?token=${ADMIN_TOKEN}&tenant=demo`);
  await sup.locator('[data-testid=refresh-messages]').click();
  await sup.locator('[data-testid=messages] [data-testid=offline-message]').filter({ hasText: 'order 42' }).waitFor(T);

  const agent = await browser.context.newPage();
  alice = agent;
  await agent.goto(`${server.base}/agent`);
  await agent.locator('[data-testid=login]').fill('alice');
  await agent.locator('[data-testid=password]').fill('demo-desk-1001');
  await agent.locator('[data-testid=sign-in]').click();
  await agent.locator('[data-testid=load-offline]').click();
  await agent.locator('[data-testid=offline-messages]').filter({ hasText: 'dora@example.com' }).waitFor(T);
});

test('an agent transfers a chat to another queue and the customer waits there', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/demo`);
  await page.locator('[data-testid=sy-launcher]').click();
  await page.locator('[data-testid=sy-name]').fill('Eve');
  await page.locator('[data-testid=sy-join]').click();
  const agent = await browser.context.newPage();
  await agent.goto(`${server.base}/agent`);
  await agent.locator('[data-testid=login]').fill('bob');
  await agent.locator('[data-testid=password]').fill('demo-desk-1002');
  await agent.locator('[data-testid=sign-in]').click();
  await agent.locator('[data-testid=offer]').filter({ hasText: 'Eve' }).locator('[data-testid=accept]').click();
  await agent.locator('[data-testid=conv-title]').filter({ hasText: 'Eve' }).waitFor(T);
  await agent.locator('[data-testid=transfer-queue]').selectOption({ label: 'support' });
  await agent.locator('[data-testid=transfer]').click();
  await page.locator('[data-testid=sy-moved]').filter({ hasText: 'support' }).waitFor(T);
  await agent.locator('[data-testid=chat-item]').filter({ hasText: 'ended' }).waitFor(T);
  // Alice (support, penalty 1) is signed in from the first test: she gets the offer.
});

test('the supervisor force-pauses and logs out an agent; her desktop follows', async () => {
  const row = sup.locator('[data-testid=agent-alice]');
  await row.locator('[data-testid=pause]').click();
  await row.locator('[data-testid=agent-state]').filter({ hasText: /break/ }).waitFor(T);
  await alice.locator('[data-testid=agent-status]').filter({ hasText: /break/ }).waitFor(T);
  await row.locator('[data-testid=logout]').click();
  await row.locator('[data-testid=agent-state]').filter({ hasText: /offline/ }).waitFor(T);
  await alice.locator('[data-testid=agent-status]').filter({ hasText: /offline/ }).waitFor(T);
  await shot(alice, 'agent-logged-out');
});

test('a max-depth overflow shows as an alarm on the dashboard as it fires', async () => {
  const tenants = await api('GET', '/tenants?name=demo');
  const demo = tenants.items.find((t) => t.name === 'demo');
  const q = await api('POST', `/tenants/${demo.id}/queues`, {
    name: 'tiny',
    settings: { max_depth: 1, overflow: [{ on: ['max_depth'], action: { type: 'voicemail' } }] },
  });
  for (const caller of ['+15550001', '+15550002']) {
    await api('POST', `/tenants/${demo.id}/interactions`, { queue_id: q.id, channel: 'voice', caller_id: caller });
  }
  const alarm = sup.locator('[data-testid=alarm]').filter({ hasText: 'tiny' });
  await alarm.filter({ hasText: /max depth/ }).waitFor(T);
  await shot(sup, 'supervisor-alarm');
});

test('a signed priority token in the widget tag puts the customer ahead', async () => {
  const tenants = await api('GET', '/tenants?name=demo');
  const demo = tenants.items.find((t) => t.name === 'demo');
  await api('POST', `/tenants/${demo.id}/queues`, { name: 'vip', numbers: ['598'] });
  const r = await fetch(`${server.base}/chat/v1/priority-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ priority: 10, ttl_secs: 600 }),
  });
  const { token } = await r.json();
  assert.match(token, /^10\.\d+\.[0-9a-f]{64}$/);
  const tag = (extra) => `<!doctype html><html><body>
    <script src="${server.base}/widget.js" data-queue="598" data-tenant="demo" ${extra}></script></body></html>`;
  const site = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(req.url === '/vip' ? tag(`data-priority-token="${token}"`) : req.url === '/forged'
      ? tag(`data-priority-token="${token.replace(/^10\./, '99.')}"`) : tag(''));
  });
  await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
  const at = (path) => `http://127.0.0.1:${site.address().port}${path}`;
  try {
    const join = async (path, name) => {
      const p = await browser.context.newPage();
      await p.goto(at(path));
      await p.locator('[data-testid=sy-launcher]').click();
      await p.locator('[data-testid=sy-name]').fill(name);
      await p.locator('[data-testid=sy-join]').click();
      return p;
    };
    const gus = await join('/', 'Gus');
    await gus.locator('[data-testid=sy-position]').filter({ hasText: /^1$/ }).waitFor(T);
    const hal = await join('/vip', 'Hal');
    await hal.locator('[data-testid=sy-position]').filter({ hasText: /^1$/ }).waitFor(T);
    await gus.locator('[data-testid=sy-position]').filter({ hasText: /^2$/ }).waitFor(T);
    const eve = await join('/forged', 'Mallory');
    await eve.locator('[data-testid=sy-error]').filter({ hasText: /priority_token/ }).waitFor(T);
  } finally {
    site.close();
  }
});
