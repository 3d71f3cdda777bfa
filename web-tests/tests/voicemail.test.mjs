// The supervisor's Messages panel: a voicemail recorded by the voice edge (here: a real
// 2 s WAV put where the edge writes them, and its row inserted into the server's SQLite
// database) is listed with its caller ID, queue and duration, plays in the page, is marked
// heard when played and toggled back, and is deleted (REST then answers 404 and the file is
// gone). A chat offline message left from the widget is listed in the same panel, newest
// first. The panel and the queue cards fit at desktop and phone widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, shot, ADMIN_TOKEN, ARTIFACTS } from '../lib/harness.mjs';

const T = { timeout: 10_000 };
const CALLER = '+15550123';
let server, browser, sup, demo, sales, vmId, wavPath;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function api(method, path, body, expect = 200) {
  const r = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.equal(r.status, expect, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A 2 s, 8 kHz, 16-bit mono 440 Hz tone.
function toneWav(secs = 2, rate = 8000) {
  const n = secs * rate;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

// What the voice edge does: the file under <data-dir>/voicemail/<tenant>/, then the row.
// python3's sqlite3 writes the row into the running server's database (no REST creates
// voicemails); a missing python3 fails the test.
function insertVoicemail({ tenant, queue, caller, fileName, durationMs, size, createdMs }) {
  const py = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
cur = db.execute(
    "INSERT INTO voicemails (tenant_id, queue_id, interaction_id, caller_id, file_name, duration_ms, size_bytes, created_ms) "
    "VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
    (int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])))
db.commit()
print(cur.lastrowid)
`;
  const r = spawnSync('python3', ['-c', py, join(server.dir, 'switchyard.db'), tenant, queue, caller, fileName,
    durationMs, size, createdMs].map(String), { encoding: 'utf8' });
  if (r.error) throw new Error(`python3 is needed to insert the voicemail row: ${r.error.message}`);
  assert.equal(r.status, 0, `python3 sqlite3 insert failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

const badge = () => sup.locator(`[data-testid=voicemail][data-id="${vmId}"] [data-testid=vm-state]`);
const vmRow = () => sup.locator(`[data-testid=voicemail][data-id="${vmId}"]`);

test('a voicemail is listed with caller ID, queue and duration', async () => {
  demo = (await api('GET', '/tenants?name=demo')).items.find((t) => t.name === 'demo').id;
  sales = (await api('GET', `/tenants/${demo}/queues`)).items.find((q) => q.name === 'sales').id;
  const wav = toneWav();
  const dir = join(server.dir, 'voicemail', String(demo));
  mkdirSync(dir, { recursive: true });
  wavPath = join(dir, 'web-test-1.wav');
  writeFileSync(wavPath, wav);
  vmId = insertVoicemail({
    tenant: demo, queue: sales, caller: CALLER, fileName: `${demo}/web-test-1.wav`,
    durationMs: 2000, size: wav.length, createdMs: Date.now() - 60_000,
  });
  const rest = await api('GET', `/tenants/${demo}/voicemails/${vmId}`);
  assert.equal(rest.caller_id, CALLER);
  assert.equal(rest.heard_ms, null);

  sup = await browser.context.newPage();
  await sup.goto(`${server.base}/supervisor?token=${ADMIN_TOKEN}&tenant=demo`);
  await vmRow().waitFor(T);
  assert.equal(await vmRow().locator('[data-testid=vm-caller]').textContent(), CALLER);
  assert.equal(await vmRow().locator('[data-testid=vm-duration]').textContent(), '0:02');
  await vmRow().locator('[data-testid=vm-queue]').filter({ hasText: /^sales$/ }).waitFor(T);
  assert.equal(await badge().textContent(), 'new');
  await sup.locator('[data-testid=messages-new]').filter({ hasText: '1 new' }).waitFor(T);
});

test('the player loads the recording; playing it marks it heard; the toggle goes both ways', async () => {
  await vmRow().locator('[data-testid=vm-play]').click();
  const audio = vmRow().locator('[data-testid=vm-audio]');
  await audio.waitFor(T);
  const dur = await audio.evaluate((a) => new Promise((ok, fail) => {
    const done = () => ok(a.duration);
    if (a.readyState >= 1) done();
    a.addEventListener('loadedmetadata', done, { once: true });
    a.addEventListener('error', () => fail(new Error(`audio error ${a.error && a.error.code}`)), { once: true });
    setTimeout(() => fail(new Error('no loadedmetadata within 5 s')), 5000);
  }));
  assert.ok(dur > 1.5 && dur < 2.5, `audio duration ${dur}`);
  // Playing (the Play click starts it) marks it heard: badge and REST.
  await badge().filter({ hasText: /^heard$/ }).waitFor(T);
  const heard = await api('GET', `/tenants/${demo}/voicemails/${vmId}`);
  assert.ok(heard.heard_ms > 0, 'heard_ms set over REST');
  await sup.locator('[data-testid=messages-new]').waitFor({ state: 'hidden', ...T });
  await shot(sup, 'supervisor-voicemail-playing');

  await vmRow().locator('[data-testid=vm-heard]').filter({ hasText: 'Mark new' }).click();
  await badge().filter({ hasText: /^new$/ }).waitFor(T);
  assert.equal((await api('GET', `/tenants/${demo}/voicemails/${vmId}`)).heard_ms, null);
  await vmRow().locator('[data-testid=vm-heard]').filter({ hasText: 'Mark heard' }).click();
  await badge().filter({ hasText: /^heard$/ }).waitFor(T);
  assert.ok((await api('GET', `/tenants/${demo}/voicemails/${vmId}`)).heard_ms > 0);
  assert.equal((await api('GET', `/tenants/${demo}/voicemails?heard=false`)).items.length, 0);
});

test('an offline message left from the widget shows in the same panel, newest first', async () => {
  await api('POST', `/tenants/${demo}/queues`, {
    name: 'closed',
    numbers: ['597'],
    settings: { join_empty: 'none_logged_in', overflow: [{ on: ['no_agents', 'after_hours'], action: { type: 'voicemail' } }] },
  }, 201);
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/healthz`);
  await page.setContent(`<!doctype html><html><body><h1>Shop</h1>
    <script src="${server.base}/widget.js" data-queue="597" data-tenant="demo"></script></body></html>`);
  await page.locator('[data-testid=sy-launcher]').click();
  await page.locator('[data-testid=sy-name]').fill('Ola');
  await page.locator('[data-testid=sy-join]').click();
  await page.locator('[data-testid=sy-offline-form]').waitFor(T);
  await page.locator('[data-testid=sy-offline-name]').fill('Ola');
  await page.locator('[data-testid=sy-offline-contact]').fill('ola@example.com');
  await page.locator('[data-testid=sy-offline-text]').fill('Call me back about the invoice.');
  await page.locator('[data-testid=sy-offline-send]').click();
  await page.locator('[data-testid=sy-offline-saved]').waitFor(T);
  await page.close();

  await sup.locator('[data-testid=refresh-messages]').click();
  const om = sup.locator('[data-testid=messages] [data-testid=offline-message]').filter({ hasText: 'the invoice' });
  await om.waitFor(T);
  assert.equal(await om.locator('[data-testid=om-name]').textContent(), 'Ola');
  assert.equal(await om.locator('[data-testid=om-contact] a').getAttribute('href'), 'mailto:ola@example.com');
  // Newest first: the message (now) above the voicemail (a minute ago).
  const order = await sup.locator('[data-testid=messages] > article').evaluateAll((ns) => ns.map((n) => n.dataset.testid));
  assert.deepEqual(order, ['offline-message', 'voicemail']);
  // The filter shows one kind at a time.
  await sup.locator('[data-testid=messages-filter]').selectOption('voicemail');
  await om.waitFor({ state: 'detached', ...T });
  assert.equal(await vmRow().count(), 1);
  await sup.locator('[data-testid=messages-filter]').selectOption('all');
  await om.waitFor(T);
});

test('the panel and the queue cards fit at desktop and phone widths', async () => {
  // Enough queues and a waiter for the move buttons of the 4-column layout.
  for (const name of ['billing', 'returns-and-exchanges']) await api('POST', `/tenants/${demo}/queues`, { name }, 201);
  await api('POST', `/tenants/${demo}/interactions`, { queue_id: sales, channel: 'voice', caller_id: '+15550999' }, 201);
  const card = sup.locator('[data-testid=queue-sales]');
  await card.locator('[data-testid=move-to-returns-and-exchanges]').waitFor(T);
  const overflow = () => sup.evaluate(() => {
    const bad = [];
    if (document.documentElement.scrollWidth > window.innerWidth) bad.push(`page ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    for (const n of document.querySelectorAll('#queues > .panel, #messages-panel')) {
      if (n.scrollWidth > n.clientWidth + 1) bad.push(`${n.dataset.testid} ${n.scrollWidth} > ${n.clientWidth}`);
    }
    return bad;
  });
  await shot(sup, 'supervisor-messages-desktop');
  await card.screenshot({ path: join(ARTIFACTS, 'supervisor-queue-card-desktop.png') });
  assert.deepEqual(await overflow(), [], 'nothing overflows at 1280 px');
  await sup.setViewportSize({ width: 390, height: 844 });
  await vmRow().locator('[data-testid=vm-delete]').waitFor(T);
  await shot(sup, 'supervisor-messages-phone');
  await sup.locator('#messages-panel').screenshot({ path: join(ARTIFACTS, 'supervisor-messages-panel-phone.png') });
  assert.deepEqual(await overflow(), [], 'nothing overflows at 390 px');
  const box = await vmRow().locator('[data-testid=vm-delete]').boundingBox();
  assert.ok(box && box.x + box.width <= 390, `delete button visible: ${JSON.stringify(box)}`);
  await sup.setViewportSize({ width: 1280, height: 860 });
});

test('delete asks first, then removes the row, the REST resource and the file', async () => {
  assert.ok(existsSync(wavPath));
  await vmRow().locator('[data-testid=vm-delete]').click();
  await vmRow().locator('[data-testid=vm-delete-no]').click();
  await vmRow().locator('[data-testid=vm-delete]').waitFor(T);
  await api('GET', `/tenants/${demo}/voicemails/${vmId}`);
  await vmRow().locator('[data-testid=vm-delete]').click();
  await vmRow().locator('[data-testid=vm-delete-yes]').click();
  await vmRow().waitFor({ state: 'detached', ...T });
  const problem = await api('GET', `/tenants/${demo}/voicemails/${vmId}`, undefined, 404);
  assert.equal(problem.status, 404);
  assert.ok(!existsSync(wavPath), 'the WAV file is gone');
  // The chat message stays.
  await sup.locator('[data-testid=offline-message]').filter({ hasText: 'the invoice' }).waitFor(T);
});

test('a supervisor token reads the panel; once revoked, the page asks to sign in again', async () => {
  const { token, secret } = await api('POST', `/tenants/${demo}/tokens`, { name: 'night shift', role: 'supervisor' }, 201);
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/supervisor`);
  await page.locator('[data-testid=token]').fill(secret);
  await page.locator('[data-testid=tenant]').fill('');
  await page.locator('[data-testid=sign-in]').click();
  await page.locator('[data-testid=offline-message]').filter({ hasText: 'the invoice' }).waitFor(T);
  await api('DELETE', `/tenants/${demo}/tokens/${token.id}`, undefined, 204);
  await page.locator('[data-testid=refresh-messages]').click();
  await page.locator('[data-testid=login-error]').filter({ hasText: 'Invalid token' }).waitFor(T);
  assert.equal(await page.locator('[data-testid=messages] article').count(), 0, 'the list is cleared');
  await page.close();
});
