import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../src/index.ts';
import { type Fixture, startFixture } from './helpers.ts';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const README_SCREENSHOT = fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));
/** The README's picture is refreshed on request (or when missing), so a test run leaves the tree clean. */
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOT === '1' || !existsSync(README_SCREENSHOT)
    ? README_SCREENSHOT
    : join(tmpdir(), `celeriac-dashboard-${process.pid}.png`);
const XSS = '<img src=x onerror=alert(1)>';

const available = existsSync(CHROMIUM);
if (!available) {
  const reason = `no Chromium at ${CHROMIUM}`;
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true: install it (apt-get install chromium).`);
  console.warn(`\n⚠ @celeriac/monitor-http: skipping the browser test: ${reason}. Run: apt-get install -y chromium\n`);
}
const title = available
  ? 'the dashboard in Chromium'
  : `the dashboard in Chromium (skipped: no Chromium at ${CHROMIUM})`;

// Browser steps wait on a real Chromium that shares two cores with every other test file.
describe.skipIf(!available)(title, { timeout: 60_000 }, () => {
  let f: Fixture;
  let monitor: Monitor;
  let server: Server;
  let port: number;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const dialogs: string[] = [];

  const row = (id: string, state?: string) =>
    page.locator(`#tasks tr[data-task-id="${id}"]${state === undefined ? '' : `[data-state="${state}"]`}`);

  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  beforeAll(async () => {
    f = await startFixture();
    // Mounted under a prefix, behind a sign-in, as a service would embed it.
    monitor = createMonitor(f.app, { auth: { username: 'ops', password: 'secret' }, basePath: '/monitor' });
    server = createServer((req, res) => {
      if ((req.url ?? '').startsWith('/monitor')) return void monitor.handler(req, res);
      res.writeHead(404).end();
    });
    port = 0;
    await listen();
    port = (server.address() as AddressInfo).port;
    profile = await mkdtemp(join(tmpdir(), 'celeriac-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1440, height: 1100 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await monitor?.close();
    server?.closeAllConnections();
    server?.close();
    await f?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    if (SCREENSHOT !== README_SCREENSHOT) await rm(SCREENSHOT, { force: true });
  });

  it('signs in and shows the worker online', async () => {
    await page.goto(`http://127.0.0.1:${port}/monitor`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/monitor/login');
    await page.fill('input[name=username]', 'ops');
    await page.fill('input[name=password]', 'secret');
    await page.click('button[type=submit]');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/monitor/');
    await page.locator(`#workers tr[data-worker="${f.worker.hostname}"][data-status="online"]`).waitFor();
    await page.locator('#live[data-state="open"]').waitFor();
    expect(await page.locator('#disconnected').isHidden()).toBe(true);
  });

  it('shows a task move from STARTED to SUCCESS live, without reloading', async () => {
    // Runs in the page: globalThis is its window (this file is type-checked without the DOM lib).
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 42;
    });
    const gated = await f.app.sendTask('demo.gate', ['live']);
    await row(gated.id, 'STARTED').waitFor();
    f.gates.open('live');
    await row(gated.id, 'SUCCESS').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
  });

  it("shows a failed task's error as text: a hostile argument runs nothing", async () => {
    const failed = await f.app.sendTask('demo.fail', [XSS]);
    await row(failed.id, 'FAILURE').waitFor();
    await expect.poll(() => row(failed.id).locator('td.args').textContent()).toContain(XSS);
    await row(failed.id).click();
    await page.locator('#detail[data-state="FAILURE"]').waitFor();
    await expect.poll(() => page.locator('#detail-error').textContent()).toBe(`TypeError: ${XSS}`);
    expect(await page.locator('#detail-args').textContent()).toContain(XSS);
    expect(await page.locator('#detail-stack').textContent()).toContain('TypeError');
    expect(await page.locator('#tasks img, #detail img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('revokes a waiting task and terminates a running one from the detail panel', async () => {
    const waiting = await f.app.sendTask('demo.add', [1, 1], { countdown: 120 });
    await row(waiting.id, 'PENDING').click();
    await page.locator('#detail [data-action="revoke"]:enabled').click();
    await row(waiting.id, 'REVOKED').waitFor();
    expect(await waiting.state()).toBe('REVOKED');

    const running = await f.app.sendTask('demo.sleep', [120_000]);
    await row(running.id, 'STARTED').click();
    await page.locator('#detail[data-state="STARTED"]').waitFor();
    await page.locator('#detail [data-action="terminate"]:enabled').click();
    await row(running.id, 'REVOKED').waitFor();
    await expect.poll(() => running.state()).toBe('REVOKED');
    expect(dialogs).toEqual([]);
  });

  it('retries a failed task, filters by state, and charts throughput', async () => {
    const flaky = await f.app.sendTask('demo.flaky', []);
    await row(flaky.id, 'FAILURE').click();
    f.flaky.fail = false;
    await page.locator('#detail[data-state="FAILURE"] [data-action="retry"]:enabled').click();
    await expect.poll(() => page.locator('#action-status').textContent()).toMatch(/^sent again as /);
    const again = (await page.locator('#action-status').textContent())!.replace('sent again as ', '');
    await row(again, 'SUCCESS').waitFor();

    for (let i = 0; i < 6; i++) await f.app.sendTask('demo.add', [i, i]);
    await f.app.sendTask('demo.log', ['report ready']);
    await page.selectOption('#filters select[name=state]', 'FAILURE');
    await expect.poll(() => page.locator('#tasks tbody tr').count()).toBe(2);
    expect(await page.locator('#tasks tbody tr:not([data-state="FAILURE"])').count()).toBe(0);
    await page.selectOption('#filters select[name=state]', '');
    await expect.poll(() => page.locator('#chart-throughput rect').count()).toBeGreaterThan(0);

    // The picture in the README: a failed task open in the detail panel.
    await page.locator('#tasks tr[data-state="FAILURE"]').first().click();
    await page.locator('#detail[data-state="FAILURE"]').waitFor();
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
  });

  it('says clearly when the event stream is disconnected, and clears it on reconnect', async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await page.locator('#disconnected').waitFor({ state: 'visible' });
    expect(await page.locator('#disconnected').textContent()).toContain('Event stream disconnected');
    expect(await page.locator('#live').getAttribute('data-state')).toBe('closed');
    await listen();
    await page.locator('#disconnected').waitFor({ state: 'hidden', timeout: 15_000 });
    await page.locator('#live[data-state="open"]').waitFor();
    // Live again: a new task shows up without a reload.
    const after = await f.app.sendTask('demo.add', [7, 7]);
    await row(after.id, 'SUCCESS').waitFor();
  });
});
