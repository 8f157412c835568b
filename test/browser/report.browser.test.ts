// The HTML report (reporters/html.ts) in a real browser: Debian's Chromium driven by
// playwright-core, pages loaded from file:// URLs with the context offline and every request
// that is not the page itself recorded and aborted. Skipped (with the reason in its name) only
// when /usr/bin/chromium is absent and CI is unset; in CI a missing Chromium fails the run
// (.ci/run installs it).
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsReport, hostileReport, largeReport } from '../../reporters/fixtures.ts';
import { renderHtml } from '../../reporters/html.ts';
import { PWNED_HOST, XSS_PAYLOADS, xssReport, xssScenarioHash } from '../fixtures/xss-payloads.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = !existsSync(CHROMIUM) && !process.env.CI;
const TITLE = SKIP ? `HTML report in Chromium (skipped: ${CHROMIUM} is absent and CI is unset; apt-get install chromium)` : 'HTML report in Chromium';

/** `expect.poll` with room for a loaded machine (the default gives up after 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

/** What a page did that it must not: console errors, uncaught errors, dialogs, requests. */
interface Observed {
  errors: string[];
  dialogs: string[];
  requests: string[];
}

describe.skipIf(SKIP)(TITLE, () => {
  let browser: Browser;
  let dir: string;
  const files = new Map<string, string>();

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-html-'));
    for (const [name, report] of [
      ['channels', channelsReport()],
      ['xss', xssReport()],
      ['hostile', hostileReport()],
      ['large', largeReport(10_000)],
    ] as const) {
      const file = path.join(dir, `${name}.html`);
      await writeFile(file, renderHtml(report));
      files.set(name, pathToFileURL(file).href);
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens a report in a fresh offline context, recording everything it must not do. */
  async function open(name: string, hash = ''): Promise<{ page: Page; seen: Observed }> {
    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const seen: Observed = { errors: [], dialogs: [], requests: [] };
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      seen.requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') seen.errors.push(m.text());
    });
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('dialog', (d) => {
      seen.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith('file:') && !url.startsWith('data:')) seen.requests.push(url);
    });
    await page.goto(files.get(name)! + hash);
    await page.waitForFunction(() => document.getElementById('status')!.textContent !== '');
    return { page, seen };
  }

  const rowNames = (page: Page) => page.locator('#list .row .name').allTextContents();
  const status = (page: Page) => page.locator('#status').textContent();

  it('loads from a file URL with the network off: summary visible, list built, no console error', async () => {
    const { page, seen } = await open('channels');
    await poll(() => page.locator('.overview h1').isVisible()).toBe(true);
    expect(await page.locator('.overview .big').textContent()).toMatch(/%$/);
    expect(await page.locator('#suites tbody tr').count()).toBe(4);
    expect(await status(page)).toBe('Showing 21 of 21 scenarios');
    expect(await page.locator('#list .row').count()).toBe(21);
    // Attention first: the first row is a diff, the last a pass.
    expect(await page.locator('#list .row .badge').first().textContent()).toBe('diff');
    expect(await page.locator('#list .row .badge').last().textContent()).toBe('pass');
    expect(seen).toEqual({ errors: [], dialogs: [], requests: [] });
    await page.context().close();
  });

  it('filters by verdict, suite, channel and tag; the verdict counts follow the other filters', async () => {
    const { page, seen } = await open('channels');
    await page.locator('input[data-verdict="pass"]').uncheck();
    expect(await status(page)).toBe('Showing 15 of 15 matching scenarios (21 in total)');
    await page.locator('input[data-verdict="pass"]').check();

    await page.locator('#f-suite').selectOption({ label: 'orders-db' });
    expect((await rowNames(page)).every((n) => n.startsWith('orders-db › '))).toBe(true);
    expect(await page.locator('#list .row').count()).toBe(4);

    await page.locator('#f-suite').selectOption('');
    await page.locator('#f-channel').selectOption('db');
    expect(await rowNames(page)).toEqual(['orders-db › pay-order-writes']);
    expect(await page.locator('input[data-verdict="diff"] ~ .count').textContent()).toBe('1');
    expect(await page.locator('input[data-verdict="pass"] ~ .count').textContent()).toBe('0');

    await page.locator('#f-channel').selectOption('');
    await page.locator('#f-tag').selectOption({ label: 'import' });
    expect((await rowNames(page)).sort()).toEqual(['ledger-cli › import-corrupt', 'ledger-cli › import-empty', 'ledger-cli › import-large']);
    expect(await page.locator('input[data-verdict="error"] ~ .count').textContent()).toBe('1');
    expect(seen.errors).toEqual([]);
    await page.context().close();
  });

  it('searches ids, tags and diff text that only the details blocks hold', async () => {
    const { page, seen } = await open('channels');
    await page.locator('#search').fill('receipt');
    await page.locator('#search').press('Enter');
    expect(await rowNames(page)).toEqual(['orders-api › order-receipt']);
    // "(35.50)" appears only inside balance-negative's stdout hunk.
    await page.locator('#search').fill('(35.50)');
    await page.locator('#search').press('Enter');
    expect(await rowNames(page)).toEqual(['ledger-cli › balance-negative']);
    // A schema DDL word; typed (debounced input), not submitted.
    await page.locator('#search').fill('orders_sku_idx');
    await poll(() => rowNames(page)).toEqual(['orders-db › migrate-schema']);
    await page.locator('#search').fill('no-such-thing-anywhere');
    await poll(() => status(page)).toBe('Showing 0 of 0 matching scenarios (21 in total)');
    expect(seen.errors).toEqual([]);
    await page.context().close();
  });

  it('opens a deep link on load and on hashchange, clearing filters that hide the target', async () => {
    const { page, seen } = await open('channels', '#orders-db/pay-order-writes');
    const row = page.locator('details.row[open]');
    await poll(() => row.count()).toBe(1);
    expect(await row.locator('.name').textContent()).toBe('orders-db › pay-order-writes');
    expect(await row.locator('table.rows').count()).toBe(2);

    await page.locator('input[data-verdict="diff"]').uncheck();
    await page.evaluate(() => {
      location.hash = '#ledger-cli/balance-negative';
    });
    await poll(() => page.locator('details.row[open] .name').allTextContents()).toContain('ledger-cli › balance-negative');
    expect(await page.locator('input[data-verdict="diff"]').isChecked()).toBe(true);
    // Each row links to itself.
    expect(await page.locator('details.row', { hasText: 'export-csv' }).locator('a.link').getAttribute('href')).toBe('#ledger-cli/export-csv');
    // Opening a row by click puts its link in the address bar.
    await page.locator('details.row', { hasText: 'export-csv' }).locator('summary').click();
    await poll(() => page.evaluate(() => location.hash)).toBe('#ledger-cli/export-csv'); // the toggle event is async
    expect(seen.errors).toEqual([]);
    await page.context().close();
  });

  it('moves with j/k, opens and closes with Enter, focuses the search with /', async () => {
    const { page, seen } = await open('channels');
    const names = await rowNames(page);
    await page.locator('h1').click();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await page.locator('#list .row.cur .name').textContent()).toBe(names[1]);
    await page.keyboard.press('k');
    expect(await page.locator('#list .row.cur .name').textContent()).toBe(names[0]);
    await page.keyboard.press('Enter');
    expect(await page.locator('#list .row.cur').getAttribute('open')).toBe('');
    await poll(() => page.locator('#list .row.cur .detail').count()).toBe(1); // built on the (async) toggle event
    await page.keyboard.press('Enter');
    expect(await page.locator('#list .row.cur').getAttribute('open')).toBeNull();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
    // Typing j in the search box types, it does not move.
    await page.keyboard.type('jj');
    expect(await page.locator('#search').inputValue()).toBe('jj');
    expect(seen.errors).toEqual([]);
    await page.context().close();
  });

  it('toggles unified / side-by-side text diffs and remembers the choice', async () => {
    const { page, seen } = await open('channels', '#ledger-cli/balance-negative');
    const row = page.locator('details.row[open]');
    await poll(() => row.locator('table.unified').isVisible()).toBe(true);
    expect(await row.locator('table.split').isVisible()).toBe(false);
    await page.locator('button[data-view="split"]').click();
    expect(await row.locator('table.split').isVisible()).toBe(true);
    expect(await row.locator('table.unified').isVisible()).toBe(false);
    // The changed line is paired: legacy on the left, candidate on the right.
    const pair = row.locator('table.split tr.pair').first();
    expect(await pair.locator('td.del').textContent()).toBe('savings        -35.50');
    expect(await pair.locator('td.add').textContent()).toBe('savings        (35.50)');
    // Remembered: a page opened afterwards in the same browser profile starts side by side.
    // (localStorage commits asynchronously to the browser process, hence the poll.)
    const again = async () => {
      const other = await page.context().newPage();
      await other.goto(page.url());
      await other.waitForFunction(() => document.getElementById('status')!.textContent !== '');
      const state = {
        pressed: await other.locator('button[data-view="split"]').getAttribute('aria-pressed'),
        split: await other.locator('details.row[open] table.split').isVisible(),
      };
      await other.close();
      return state;
    };
    await poll(again).toEqual({ pressed: 'true', split: true });
    expect(seen.errors).toEqual([]);
    await page.context().close();
  });

  it('renders db rows with changed cells, schema DDL, JSON trees and images with a slider', async () => {
    const { page, seen } = await open('channels', '#orders-db/pay-order-writes');
    const db = page.locator('details.row[open] .db');
    await poll(() => db.count()).toBe(1);
    const orders = db.locator('table.rows').first();
    expect(await orders.locator('td.ver').allTextContents()).toEqual([
      'legacy before (update)',
      'legacy after (update)',
      'candidate before (update)',
      'candidate after (update)',
    ]);
    expect(await orders.locator('td.hi').allTextContents()).toEqual(['paid', '21', 'PAID', '21.00']);
    expect(await db.locator('tbody.del .rkind').textContent()).toBe('only the legacy has this row');
    expect(await db.locator('tbody.add .rkind').textContent()).toBe('only the candidate has this row');

    await page.evaluate(() => (location.hash = '#orders-db/migrate-schema'));
    const ddl = page.locator('details.row[open] .ddl .dline code');
    await poll(() => ddl.allTextContents()).toEqual([
      'ALTER TABLE public.orders ALTER COLUMN status TYPE character varying(20)',
      'DROP INDEX public.orders_sku_idx',
      'ALTER TABLE public.orders ADD CHECK (qty > 0)',
    ]);

    await page.evaluate(() => (location.hash = '#ledger-cli/report-monthly-json'));
    const tree = page.locator('details.row', { hasText: 'report-monthly-json' }).locator('ul.tree');
    await poll(() => tree.locator('li.leaf .key').allTextContents()).toEqual(['label', 'net', 'generatedBy', '"schema version"']);
    expect(await tree.locator('li.branch > .tline .key').allTextContents()).toEqual(['$', 'months', '[2]', 'totals', 'meta']);

    await page.evaluate(() => (location.hash = '#orders-db/sales-chart'));
    const image = page.locator('details.row', { hasText: 'sales-chart' }).locator('.image');
    await poll(() => image.locator('.img3 img').count()).toBe(3);
    const loaded = await image.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(loaded).toEqual([160, 160, 160, 160, 160]);
    await image.locator('input.range').fill('20');
    expect(await image.locator('img.top').evaluate((i) => (i as HTMLElement).style.clipPath)).toBe('inset(0px 80% 0px 0px)');
    expect(seen).toEqual({ errors: [], dialogs: [], requests: [] });
    await page.context().close();
  });

  it(`executes none of ${XSS_PAYLOADS.length} payloads: every row opened, searched, deep-linked`, async () => {
    const { page, seen } = await open('xss', xssScenarioHash(3));
    await poll(() => page.locator('details.row[open]').count()).toBe(1);
    // Open every row and every exchange, so every renderer runs on every payload.
    await page.evaluate(() => {
      document.querySelectorAll('details.row').forEach((d) => ((d as HTMLDetailsElement).open = true));
    });
    // Details are built on the (async) toggle event.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('details.row')).every((d) => d.querySelector('.detail') !== null));
    await page.evaluate(() => {
      document.querySelectorAll('details.exchange').forEach((d) => ((d as HTMLDetailsElement).open = true));
    });
    for (let i = 0; i < XSS_PAYLOADS.length; i += 9) {
      await page.locator('#search').fill(XSS_PAYLOADS[i]!);
      await page.locator('#search').press('Enter');
      expect(await page.locator('#list .row').count()).toBeGreaterThan(0);
      await page.evaluate((hash) => (location.hash = hash), xssScenarioHash(i));
    }
    await page.mouse.move(300, 300);
    await page.mouse.move(600, 500);
    await page.waitForTimeout(300);
    const state = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
      scripts: document.scripts.length,
      frames: document.querySelectorAll('iframe, object, embed, base, meta[http-equiv="refresh"], svg, math, form, link, style:not(head style)').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
      badLinks: Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href')!).filter((h) => !h.startsWith('#') && !h.startsWith('https://')),
      images: Array.from(document.images).map((i) => i.src.slice(0, 22)),
    }));
    expect(state.pwned).toBeNull();
    // The page's own: the index, one details block per scenario, the script.
    expect(state.scripts).toBe(2 + (await page.evaluate(() => document.querySelectorAll('script[id^="pk-d-"]').length)));
    expect(state.frames).toBe(0);
    expect(state.handlers).toBe(0);
    expect(state.badLinks).toEqual([]);
    expect(state.images.every((src) => src === 'data:image/png;base64,')).toBe(true);
    expect(await page.locator('text=window.__pwned=7').count()).toBeGreaterThan(0);
    expect(seen).toEqual({ errors: [], dialogs: [], requests: [] });
    expect(seen.requests.some((r) => r.includes(PWNED_HOST))).toBe(false);
    await page.context().close();
  });

  it('executes nothing from the hostile report either (payloads in every field, HTTP exchanges included)', async () => {
    const { page, seen } = await open('hostile');
    await page.evaluate(() => {
      document.querySelectorAll('details.row').forEach((d) => ((d as HTMLDetailsElement).open = true));
    });
    // Details are built on the (async) toggle event.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('details.row')).every((d) => d.querySelector('.detail') !== null));
    await page.evaluate(() => {
      document.querySelectorAll('details.exchange').forEach((d) => ((d as HTMLDetailsElement).open = true));
    });
    await page.locator('button[data-view="split"]').click();
    await page.locator('#search').fill('<script>');
    await page.locator('#search').press('Enter');
    expect(await page.locator('#list .row').count()).toBeGreaterThan(0);
    await page.waitForTimeout(200);
    const state = await page.evaluate(() => ({
      scripts: document.scripts.length,
      blocks: document.querySelectorAll('script[type="application/json"]').length,
      active: document.querySelectorAll('img, svg, iframe, object, embed, form, base').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
    }));
    expect(state.scripts).toBe(state.blocks + 1);
    expect(state.active).toBe(0);
    expect(state.handlers).toBe(0);
    expect(await page.locator('#list').textContent()).toContain('<script>alert(1)</script>');
    expect(seen).toEqual({ errors: [], dialogs: [], requests: [] });
    await page.context().close();
  });

  it('serves 10,000 scenarios lazily: 200 rows first, more on scroll, deep link past the rendered end', async () => {
    const { page, seen } = await open('large');
    expect(await status(page)).toBe('Showing 200 of 10000 scenarios');
    await page.locator('#more').scrollIntoViewIfNeeded();
    await poll(() => page.locator('#list .row').count()).toBeGreaterThan(200);
    await page.evaluate(() => (location.hash = '#cli/case-09996'));
    await poll(() => page.locator('#list .row.cur .name').textContent()).toBe('cli › case-09996');
    await page.locator('#f-channel').selectOption('schema');
    expect(await status(page)).toBe('Showing 33 of 33 matching scenarios (10000 in total)');
    expect(seen.errors).toEqual([]);
    await page.context().close();
  });
});
