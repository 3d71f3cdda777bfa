// The three pages in a real browser against the real server: widget positions, agent
// accept and messages both ways, supervisor depth and agent states, one-click move,
// reload keeps the place, and protocol input validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, ADMIN_TOKEN } from '../lib/harness.mjs';

const T = { timeout: 10_000 };
let server, browser, ctx;
let sup, ann, ben, cat, agent;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ctx = browser.context;
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function customer(name) {
  const page = await ctx.newPage();
  await page.goto(`${server.base}/demo`);
  await page.locator('[data-testid=sy-launcher]').click();
  await page.locator('[data-testid=sy-name]').fill(name);
  await page.locator('[data-testid=sy-join]').click();
  return page;
}

const position = (page) => page.locator('[data-testid=sy-position]');
const queueCard = (name) => sup.locator(`[data-testid=queue-${name}]`);
const agentState = (name) => sup.locator(`[data-testid=agent-${name}] [data-testid=agent-state]`);

test('the supervisor signs in and sees the demo queues and agents offline', async () => {
  sup = await ctx.newPage();
  await sup.goto(`${server.base}/supervisor`);
  await sup.locator('[data-testid=token]').fill(ADMIN_TOKEN);
  await sup.locator('[data-testid=tenant]').fill('demo');
  await sup.locator('[data-testid=sign-in]').click();
  await queueCard('sales').waitFor(T);
  await assert.doesNotReject(queueCard('support').waitFor(T));
  assert.equal(await queueCard('sales').locator('[data-testid=depth]').textContent(), '0');
  await agentState('bob').filter({ hasText: 'offline' }).waitFor(T);
});

test('a customer joins from the widget and sees position 1, a second one position 2', async () => {
  ann = await customer('Ann');
  await position(ann).filter({ hasText: /^1$/ }).waitFor(T);
  ben = await customer('Ben');
  await position(ben).filter({ hasText: /^2$/ }).waitFor(T);
  await queueCard('sales').locator('[data-testid=depth]').filter({ hasText: /^2$/ }).waitFor(T);
  await shot(ann, 'widget-waiting');
});

test('a page reload keeps the place in line', async () => {
  await ben.reload();
  await position(ben).filter({ hasText: /^2$/ }).waitFor(T);
  await position(ann).filter({ hasText: /^1$/ }).waitFor(T);
  // The old socket's close did not count as leaving: still two in line.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await queueCard('sales').locator('[data-testid=depth]').textContent(), '2');
});

test('a one-click move reassigns a waiting customer to another queue', async () => {
  cat = await customer('Cat');
  await position(cat).filter({ hasText: /^3$/ }).waitFor(T);
  const row = queueCard('sales').locator('[data-testid=waiter]').filter({ hasText: 'Cat' });
  await row.locator('[data-testid=move-to-support]').click();
  await cat.locator('[data-testid=sy-moved]').filter({ hasText: 'support' }).waitFor(T);
  await position(cat).filter({ hasText: /^1$/ }).waitFor(T);
  await queueCard('support').locator('[data-testid=waiter]').filter({ hasText: 'Cat' }).waitFor(T);
  await queueCard('sales').locator('[data-testid=depth]').filter({ hasText: /^2$/ }).waitFor(T);
  await shot(sup, 'supervisor');
});

test('"call me back instead" turns the chat into a callback that keeps its place', async () => {
  const dan = await customer('Dan');
  await position(dan).filter({ hasText: /^3$/ }).waitFor(T);
  await dan.locator('[data-testid=sy-callback-open]').click();
  await dan.locator('[data-testid=sy-callback-number]').fill('+1 555 0100');
  await dan.locator('[data-testid=sy-callback-send]').click();
  await dan.locator('[data-testid=sy-callback-done]').filter({ hasText: '+1 555 0100' }).waitFor(T);
  const row = queueCard('sales').locator('[data-testid=waiter]').filter({ hasText: 'callback' });
  await row.waitFor(T);
  assert.equal(await row.locator('td').first().textContent(), '3');
  await dan.close(); // the callback does not need the page
});

test('an agent signs in and accepts in the desktop page; the supervisor sees the state change', async () => {
  agent = await ctx.newPage();
  await agent.goto(`${server.base}/agent`);
  await agent.locator('[data-testid=login]').fill('bob');
  await agent.locator('[data-testid=password]').fill('demo-desk-1002');
  await agent.locator('[data-testid=sign-in]').click();
  await agent.locator('[data-testid=agent-name]').filter({ hasText: 'bob' }).waitFor(T);
  const offer = agent.locator('[data-testid=offer]').filter({ hasText: 'Ann' });
  await offer.waitFor(T);
  await shot(agent, 'agent-offer');
  await offer.locator('[data-testid=accept]').click();
  await agent.locator('[data-testid=conv-title]').filter({ hasText: 'Ann' }).waitFor(T);
  await ann.locator('[data-testid=sy-assigned]').filter({ hasText: 'bob' }).waitFor(T);
  await agentState('bob').filter({ hasText: /busy|ringing/ }).waitFor(T);
  // Ben moved up once Ann was taken.
  await position(ben).filter({ hasText: /^1$/ }).waitFor(T);
});

test('agent and customer exchange messages both ways', async () => {
  await agent.locator('[data-testid=compose]').fill('Hello Ann, how can I help?');
  await agent.locator('[data-testid=send]').click();
  await ann.locator('[data-testid=sy-msg-agent]').filter({ hasText: 'how can I help' }).waitFor(T);
  await ann.locator('[data-testid=sy-input]').fill('I need a new bike');
  await ann.locator('[data-testid=sy-send]').click();
  await agent.locator('[data-testid=msg-customer]').filter({ hasText: 'I need a new bike' }).waitFor(T);
  // Delivery state reaches the customer's own message.
  await ann.locator('[data-testid=sy-msg-customer]').filter({ hasText: '✓' }).waitFor(T);
  await shot(ann, 'widget-chat');
  await shot(agent, 'agent-chat');
});

test('an agent desktop reload keeps the chats in progress', async () => {
  await agent.reload();
  await agent.locator('[data-testid=chat-item]').filter({ hasText: 'Ann' }).waitFor(T);
  await agent.locator('[data-testid=msg-customer]').filter({ hasText: 'I need a new bike' }).waitFor(T);
  await agent.locator('[data-testid=compose]').fill('Still here after a reload');
  await agent.locator('[data-testid=send]').click();
  await ann.locator('[data-testid=sy-msg-agent]').filter({ hasText: 'after a reload' }).waitFor(T);
});

test('pages fit a phone-width screen', async () => {
  for (const [page, name] of [[ann, 'widget'], [agent, 'agent'], [sup, 'supervisor']]) {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name} overflows horizontally by ${overflow}px`);
    await shot(page, `${name}-phone`);
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

test('bad input gets an error or a close with a reason, and the server stays up', async () => {
  const page = await ctx.newPage();
  await page.goto(`${server.base}/demo`);
  const result = await page.evaluate(async () => {
    const url = `ws://${location.host}/ws/customer`;
    const run = (frames) => new Promise((res) => {
      const ws = new WebSocket(url);
      const got = [];
      ws.onopen = () => frames.forEach((f) => ws.send(f));
      ws.onmessage = (e) => got.push(JSON.parse(e.data));
      ws.onclose = (e) => res({ got, code: e.code, reason: e.reason });
      setTimeout(() => { ws.close(); }, 1500);
    });
    const bad = await run(['{nope', JSON.stringify({ v: 1, type: 'dance' }), JSON.stringify({ v: 7, type: 'ping' }),
      JSON.stringify({ v: 1, type: 'message', text: 'x' })]);
    const big = await run(['x'.repeat(20 * 1024)]);
    const flood = await run(Array.from({ length: 400 }, () => JSON.stringify({ v: 1, type: 'ping' })));
    return { bad, big, flood };
  });
  assert.deepEqual(result.bad.got.map((m) => m.code), ['bad_json', 'unknown_type', 'unsupported_version', 'not_ready']);
  assert.equal(result.big.code, 1009);
  assert.equal(result.flood.code, 1008);
  assert.ok(result.flood.got.some((m) => m.code === 'rate_limited'));
  assert.ok((await fetch(`${server.base}/healthz`)).ok);
  await page.close();
});
