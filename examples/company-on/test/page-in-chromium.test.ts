import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startService } from './helpers.ts';

/** Debian's Chromium (`apt-get install chromium`), driven by playwright-core. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const XSS = '<img src=x onerror=alert(1)>';
const SAMPLE = fileURLToPath(import.meta.resolve('@celeriac/pipeline-documents/samples/travel-policy.pdf'));

const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`No Chromium at ${CHROMIUM}, and CI=true: apt-get install chromium.`);
  console.warn(`\n⚠ company-on: skipping the browser test: no Chromium at ${CHROMIUM}.\n`);
}

describe.skipIf(!available)('the Company-on page in Chromium', { timeout: 60_000 }, () => {
  let service: Running;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    // Slow embedding batches, so the bar is seen between 0 and 100.
    service = await startService('company-on-browser', { batchDelayMs: 150 });
    profile = await mkdtemp(join(tmpdir(), 'company-on-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await service?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('uploads a sample, shows its progress bar reach 100%, and answers a question with sources', async () => {
    await page.goto(`${service.url}/`);
    // Record every value the progress bar takes (a string: this file is type-checked without the DOM lib).
    await page.evaluate(`(() => {
      window.seen = [];
      new MutationObserver((records) => {
        for (const r of records) if (r.attributeName === 'aria-valuenow') window.seen.push(Number(r.target.getAttribute('aria-valuenow')));
      }).observe(document.getElementById('uploads'), { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    })()`);
    await page.setInputFiles('#file', SAMPLE);
    await page.click('#upload-form button[type=submit]');
    const card = page.locator('.upload[data-state="SUCCESS"]');
    await card.waitFor();
    expect(await card.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('100');
    expect(await card.locator('strong').textContent()).toContain('travel-policy.pdf');
    const seen = (await page.evaluate('window.seen')) as number[];
    expect(seen.some((value) => value > 0 && value < 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    await page.fill('#question', `${XSS} What is the daily meal allowance for domestic travel?`);
    await page.click('#chat-form button[type=submit]');
    const exchange = page.locator('.exchange[data-state="answered"]');
    await exchange.waitFor();
    expect(await exchange.locator('p').first().textContent()).toContain(XSS);
    expect(await exchange.locator('.answer').textContent()).toContain('45 euros');
    expect(await exchange.locator('.source').first().textContent()).toMatch(/^\[1\] travel-policy\.pdf · chunk \d+/);
    expect(await page.locator('#uploads img, #chat img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
