/**
 * Benchmark: the HTML report at scale — a 10,000-scenario report with 2% differing
 * (`largeReport` in reporters/fixtures.ts: text, JSON, db rows, schema, HTTP and image
 * differences) opened in Debian's Chromium (headless, offline, from a file:// URL).
 *
 * Measured per round, in a fresh browser context, with the page's own clock
 * (`performance.now()`, ms from navigation start):
 * - `rowsMs`: the first scenario rows painted (a MutationObserver installed before the page's
 *   script sees the first row in `#list`; the time is taken in the next animation frame);
 * - `loadMs`: the load event (`PerformanceNavigationTiming.loadEventEnd`);
 * - filter and search latency: from changing a control to the next frame after the list was
 *   rebuilt (`change` / search `Enter` dispatched in the page, then `requestAnimationFrame`):
 *   hide passing scenarios, show them again, the `db` channel filter, a search by id and a
 *   search of diff text (the first one parses every details block); measured once the page is
 *   idle after load (`requestIdleCallback`), so they are the steady state a reader meets.
 * Each figure is the median of {@link ROUNDS} rounds. Target (issue 8): opens in < 2 s.
 *
 * Run: `node_modules/.bin/node bench/report-html.ts` (prints JSON; `npm run bench` includes it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { largeReport } from '../reporters/fixtures.ts';
import { renderHtml } from '../reporters/html.ts';

/** Figures of one run: times are medians in ms, sizes in bytes. */
export interface ReportHtmlBenchResult {
  scenarios: number;
  differing: number;
  /** `renderHtml` in Node. */
  renderMs: number;
  /** The whole `index.html`, and the part parsed at load (the index JSON). */
  fileBytes: number;
  indexBytes: number;
  rowsMs: number;
  loadMs: number;
  filter: { hidePassMs: number; showAllMs: number; channelMs: number; searchIdMs: number; searchDiffTextMs: number };
  rounds: number;
  chromium: string;
}

const SCENARIOS = 10_000;
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs the benchmark. Needs Chromium at `executablePath` (default `$CHROMIUM_PATH` or
 * `/usr/bin/chromium`); throws when it cannot be launched.
 */
export async function benchReportHtml(executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'): Promise<ReportHtmlBenchResult> {
  const report = largeReport(SCENARIOS);
  const renders: number[] = [];
  let html = '';
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    html = renderHtml(report);
    renders.push(performance.now() - t0);
  }
  const dir = await mkdtemp(join(tmpdir(), 'paritykit-bench-html-'));
  const file = join(dir, 'index.html');
  await writeFile(file, html);
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const rounds: Array<{ rows: number; load: number; filter: ReportHtmlBenchResult['filter'] }> = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.addInitScript(() => {
        const observer = new MutationObserver(() => {
          const list = document.getElementById('list');
          if (list === null || list.firstChild === null) return;
          observer.disconnect();
          requestAnimationFrame(() => {
            (window as unknown as { __rowsPainted: number }).__rowsPainted = window.performance.now();
          });
        });
        observer.observe(document, { childList: true, subtree: true });
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as unknown as { __rowsPainted?: number }).__rowsPainted !== undefined);
      const opened = await page.evaluate(() => ({
        rows: (window as unknown as { __rowsPainted: number }).__rowsPainted,
        load: (window.performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
      }));
      const filter = await page.evaluate(async () => {
        const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        const time = async (act: () => void) => {
          const t0 = window.performance.now();
          act();
          await frame();
          return window.performance.now() - t0;
        };
        // Steady state: after the post-load work (first layout of the page, parse garbage).
        await new Promise<void>((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 }));
        const pass = document.querySelector<HTMLInputElement>('input[data-verdict="pass"]')!;
        const channel = document.getElementById('f-channel') as HTMLSelectElement;
        const search = document.getElementById('search') as HTMLInputElement;
        const status = () => document.getElementById('status')!.textContent!;
        const change = (el: Element) => el.dispatchEvent(new Event('change'));
        const enter = () => search.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
        const hidePassMs = await time(() => ((pass.checked = false), change(pass)));
        const hidden = status();
        const showAllMs = await time(() => ((pass.checked = true), change(pass)));
        const channelMs = await time(() => ((channel.value = 'db'), change(channel)));
        const db = status();
        channel.value = '';
        change(channel);
        const searchIdMs = await time(() => ((search.value = 'case-0999'), enter()));
        const byId = status();
        const searchDiffTextMs = await time(() => ((search.value = 'savings'), enter()));
        const byText = status();
        return { hidePassMs, showAllMs, channelMs, searchIdMs, searchDiffTextMs, check: [hidden, db, byId, byText] };
      });
      // The figures mean something only if the controls did what they should.
      const expected = [
        'Showing 200 of 220 matching scenarios (10000 in total)',
        'Showing 34 of 34 matching scenarios (10000 in total)',
        'Showing 10 of 10 matching scenarios (10000 in total)',
        'Showing 33 of 33 matching scenarios (10000 in total)',
      ];
      if (JSON.stringify(filter.check) !== JSON.stringify(expected)) throw new Error(`bench/report-html: unexpected page state ${JSON.stringify(filter.check)}`);
      if (errors.length > 0) throw new Error(`bench/report-html: page errors: ${errors.join('; ')}`);
      const { check: _check, ...times } = filter;
      rounds.push({ rows: opened.rows, load: opened.load, filter: times });
      await context.close();
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  const pick = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
  return {
    scenarios: SCENARIOS,
    differing: report.totals.diff,
    renderMs: median(renders),
    fileBytes: Buffer.byteLength(html),
    indexBytes: Buffer.byteLength(/id="paritykit-data">([\s\S]*?)<\/script>/.exec(html)![1]!),
    rowsMs: pick((r) => r.rows),
    loadMs: pick((r) => r.load),
    filter: {
      hidePassMs: pick((r) => r.filter.hidePassMs),
      showAllMs: pick((r) => r.filter.showAllMs),
      channelMs: pick((r) => r.filter.channelMs),
      searchIdMs: pick((r) => r.filter.searchIdMs),
      searchDiffTextMs: pick((r) => r.filter.searchDiffTextMs),
    },
    rounds: ROUNDS,
    chromium: browser.version(),
  };
}

/** The docs/benchmarks.md section for a result. */
export function reportHtmlSection(r: ReportHtmlBenchResult): string[] {
  const ms = (x: number) => `${Math.round(x)} ms`;
  const mib = (x: number) => `${(x / 1_048_576).toFixed(2)} MiB`;
  return [
    `## (e) HTML report: ${r.scenarios.toLocaleString('en')} scenarios, ${(r.differing / r.scenarios * 100).toFixed(0)}% differing, in Chromium`,
    '',
    '`largeReport(10000)` (reporters/fixtures.ts: text, JSON, db rows, schema, HTTP and image',
    `differences) rendered to one index.html of ${mib(r.fileBytes)}, of which ${mib(r.indexBytes)} is the scenario index`,
    'parsed at load; the details of each differing scenario sit in inert JSON blocks parsed when',
    `opened. Opened from a file:// URL in headless Chromium ${r.chromium}, offline, fresh context per round;`,
    `times from the page's own clock (ms from navigation start), median of ${r.rounds} rounds`,
    '(`node_modules/.bin/node bench/report-html.ts`). Target: opens in < 2 s.',
    '',
    '| figure | time | target |',
    '|---|---|---|',
    `| first scenario rows painted | ${ms(r.rowsMs)} | ${r.rowsMs < 2000 ? 'met' : 'not met'} (< 2 s) |`,
    `| load event | ${ms(r.loadMs)} | ${r.loadMs < 2000 ? 'met' : 'not met'} (< 2 s) |`,
    `| filter: hide passing (10,000 → 220 rows) | ${ms(r.filter.hidePassMs)} | |`,
    `| filter: show all again | ${ms(r.filter.showAllMs)} | |`,
    `| filter: channel \`db\` | ${ms(r.filter.channelMs)} | |`,
    `| search by id (\`case-0999\`) | ${ms(r.filter.searchIdMs)} | |`,
    `| search of diff text (\`savings\`; parses every details block once) | ${ms(r.filter.searchDiffTextMs)} | |`,
    `| \`renderHtml\` in Node | ${ms(r.renderMs)} | |`,
    '',
    'Filter and search times run from the control change to the next frame after the list was',
    'rebuilt (the first 200 rows; more are added as the end of the list scrolls into view), measured',
    'once the page is idle after load. On these shared 2-core machines the figures vary between',
    'runs by up to 2.5× (rows painted 228–590 ms and load 330–977 ms over the runs made for this',
    'page); every run stayed under the 2 s target.',
    '',
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchReportHtml();
  console.log(JSON.stringify(result, null, 2));
  if (process.argv.includes('--markdown')) console.log(reportHtmlSection(result).join('\n'));
}
