// Test harness: the real switchyard binary on free ports with a temp data dir, and
// Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ADMIN_TOKEN = 'web-tests-admin-token-0123456789';
// Every demo agent's password (--demo-password): the demo's are generated otherwise.
export const DEMO_PASSWORD = 'web-tests-demo-pw';
export const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

export async function startServer() {
  const bin = process.env.SWITCHYARD_BIN;
  if (!bin || !existsSync(bin)) throw new Error(`SWITCHYARD_BIN not set or missing: ${bin}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-web-'));
  const port = await freePort();
  const sip = await freePort();
  const proc = spawn(bin, ['serve', '--data-dir', dir, '--http-listen', `127.0.0.1:${port}`,
    '--sip-listen', `127.0.0.1:${sip}`, '--admin-token', ADMIN_TOKEN, '--demo-password', DEMO_PASSWORD], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`switchyard exited early (${proc.exitCode}):\n${log}`);
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`switchyard did not start:\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, proc, dir, log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => { if (proc.exitCode !== null) r(); else { proc.once('exit', r); setTimeout(() => { proc.kill('SIGKILL'); r(); }, 5000); } });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium)`);
  // A fresh profile each run (playwright takes the --user-data-dir as this argument).
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

export function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
