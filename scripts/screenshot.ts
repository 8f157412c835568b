// Takes docs/report.png: the demo's parity-report/index.html in Debian's Chromium (headless,
// network off), with the first differing scenario opened. Run after `npm run demo`:
//   node scripts/screenshot.ts [report.html] [out.png]
// Fails when the page logs a console error or cannot be opened.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const page_ = process.argv[2] ?? path.join(root, 'parity-report', 'index.html');
const out = process.argv[3] ?? path.join(root, 'docs', 'report.png');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1800 }, offline: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(page_).href);
  const firstDiff = page.locator('details').first();
  if (await firstDiff.count()) {
    await firstDiff.locator('summary').first().click();
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out, fullPage: false });
  if (errors.length > 0) throw new Error(`console errors in ${page_}:\n${errors.join('\n')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
