// Takes docs/report.png: an HTML report in Debian's Chromium (headless, offline, from a file://
// URL), scrolled to the scenario list with a text diff (side by side) and a database row table
// opened. Fails when the page logs a console error or makes a request.
//   node scripts/screenshot.ts                  the fixture with every channel (channelsReport)
//   node scripts/screenshot.ts report.json      re-rendered with the current renderer
//   node scripts/screenshot.ts index.html       as it is
//   node scripts/screenshot.ts <input> out.png  somewhere else than docs/report.png
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { channelsReport } from '../reporters/fixtures.ts';
import { renderHtml } from '../reporters/html.ts';
import type { ParityReport } from '../reporters/model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] || undefined;
const out = process.argv[3] ?? path.join(root, 'docs', 'report.png');

const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-screenshot-'));
let file: string;
if (input === undefined || input.endsWith('.json')) {
  const report: ParityReport = input === undefined ? channelsReport() : JSON.parse(await readFile(input, 'utf8'));
  file = path.join(dir, 'index.html');
  await writeFile(file, renderHtml(report));
} else {
  file = path.resolve(input);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1500 }, offline: true, colorScheme: 'light' });
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    problems.push(`request ${url}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== '');
  // A text diff side by side, and the database row table (when the report has them).
  await page.locator('button[data-view="split"]').click();
  for (const id of ['balance-negative', 'pay-order-writes']) {
    const row = page.locator('details.row', { has: page.locator('.name', { hasText: id }) }).first();
    if ((await row.count()) > 0) await row.evaluate((d) => ((d as HTMLDetailsElement).open = true));
  }
  if ((await page.locator('details.row[open]').count()) === 0) {
    const first = page.locator('details.row').first();
    if ((await first.count()) > 0) await first.evaluate((d) => ((d as HTMLDetailsElement).open = true));
  }
  await page.evaluate(() => document.getElementById('scenarios')!.scrollIntoView({ block: 'start' }));
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));
  await page.screenshot({ path: out, fullPage: false });
  if (problems.length > 0) throw new Error(`the page misbehaved (${file}):\n${problems.join('\n')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
