// Unit tests of the HTML report's markup and embedded data. What the page's script does with
// them in a real browser (filters, search, deep links, keys, diff views, payloads that must not
// run) is tested in test/browser/report.browser.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ParityReport } from './model.ts';
import { XSS_PAYLOADS, xssReport } from '../test/fixtures/xss-payloads.ts';
import {
  HOSTILE_STRINGS,
  channelsReport,
  databaseSuite,
  hostileReport,
  largeReport,
  manyScenariosReport,
  pngBase64Of,
  reportOf,
  sampleReport,
  serviceReport,
  serviceSuite,
} from './fixtures.ts';
import { CLIENT_SCRIPT, REPORT_SECTIONS, SUITE_SECTIONS, embedJson, escapeHtml, jsonPathSegments, renderHtml } from './html.ts';

/** The page's embedded data: the index and every details block, parsed as the script does. */
function pageData(html: string) {
  const index = JSON.parse(/<script type="application\/json" id="paritykit-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
  const details = [...html.matchAll(/<script type="application\/json" id="pk-d-(\d+)">([\s\S]*?)<\/script>/g)].map((m, i) => {
    expect(Number(m[1])).toBe(i);
    return JSON.parse(m[2]!);
  });
  return { index, details };
}

/** The details of scenario `id` (first match in any suite). */
function detailOf(html: string, id: string) {
  const { index, details } = pageData(html);
  const entry = index.scenarios.find((s: { id: string }) => s.id === id);
  expect(entry, id).toBeDefined();
  return details[entry.x];
}

/** Every start tag of the markup (script bodies removed) with its attribute names. */
function startTags(html: string): { tag: string; attributes: string[] }[] {
  const markup = html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2');
  return [...markup.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g)].map((m) => ({
    tag: m[1]!.toLowerCase(),
    attributes: [...m[2]!.matchAll(/\s+([^\s=>]+)/g)].map((a) => a[1]!.toLowerCase()),
  }));
}

// ---------------------------------------------------------------------------------------------

describe('renderHtml: static page', () => {
  it('is one self-contained document with run metadata and parity per suite and channel', () => {
    const html = renderHtml(sampleReport());
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    // nothing fetched: no external resources of any kind; the only URL is an https ticket link
    expect(startTags(html).filter((t) => t.tag !== 'a').flatMap((t) => t.attributes).filter((a) => a === 'src' || a === 'href')).toEqual([]);
    const links = [...html.matchAll(/<a [^>]*>[^<]*<\/a>/g)].map((m) => m[0]);
    expect(links).toEqual(['<a href="https://tracker.example.com/LEDGER-142" rel="noreferrer noopener">https://tracker.example.com/LEDGER-142</a>']);
    expect(html.replace(links[0]!, '')).not.toMatch(/url\(|@import|https?:\/\//i);
    for (const text of [
      '2025-11-21 10:30:00 UTC', '12.3 s', '4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39', 'paritykit.config.ts', 'CI (baselines never written',
      '<code>python2 ledger.py</code>', 'version <b>ledger 2.7.1 (Python 2.7.18)</b>', 'commit <code>b1e5d0c2a3f4</code>',
      '<code>node dist/ledger.js</code>', 'version <b>ledger 3.0.0-rc.2</b>', '<code>sha256:7d1e4b2c9a0f</code>', 'recorded 2025-11-20 16:02:11 UTC',
      '<span class="muted">version not configured</span>',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('<div class="big bad">41.7%</div>');
    expect(html).toMatch(/<th scope="row">ledger-cli<\/th><td class="num">30\.0%<\/td>/);
    expect(html).toContain('<th>stdout</th><th>stderr</th><th>exit</th><th>files</th>');
    expect(html).toContain('50.0% <span class="muted">(2/4)</span>');
    // verdict filter: one checkbox per verdict present, attention first
    const boxes = [...html.matchAll(/data-verdict="([a-z]+)"/g)].map((m) => m[1]);
    expect(boxes).toEqual(['diff', 'error', 'missing', 'flaky', 'new', 'accepted', 'pass']);
    expect(html).toContain('id="search"');
    // verdict colours
    expect(html).toMatch(/--pass:#1a7f37;[^}]*--diff:#cf222e;[^}]*--error:#bc4c00;--missing:#6e7781;--new:#0969da/);
  });

  it('pins its only script with a CSP hash; images only as data: URIs', () => {
    const html = renderHtml(sampleReport());
    const hash = createHash('sha256').update(CLIENT_SCRIPT).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('img-src data:;');
    expect(html).toContain(`<script>${CLIENT_SCRIPT}</script>`);
    // The one executable script; every other script element is inert JSON.
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.match(/<script /g)!.length).toBe(html.match(/<script type="application\/json" id="(paritykit-data|pk-d-\d+)">/g)!.length);
  });

  it('has a Known deviations section: the cutover document', () => {
    const html = renderHtml(sampleReport());
    const section = /<section id="deviations">([\s\S]*?)<\/section>/.exec(html)![1]!;
    const rows = [...section.matchAll(/<tr class="st-row-(\w+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1], m[2]!.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|')]);
    expect(rows).toEqual([
      ['expired', '|help-wording|expired|past its expiry date; fails the run|Help text reworded for the new command-line parser.|LEDGER-150|–|2025-10-31|stdout /^Usage:/|none|'],
      ['obsolete', '|csv-quoting|obsolete|matched nothing in this run; remove it|The legacy quoted every CSV field; the rewrite quotes only where needed.|LEDGER-97|sam|–|files out/*.csv memo|none|'],
      [
        'active',
        '|pdf-renderer|active|Statements are rendered with pdfkit instead of ReportLab: same content, different bytes. Checked by hand on 20 statements.|https://tracker.example.com/LEDGER-142|ana.lima|2026-06-30|files out/*.pdf|1 scenario|export-pdf|',
      ],
    ]);
    expect(section).toContain('<th>Deviation</th><th>Status</th><th>Reason</th><th>Ticket</th><th>Owner</th><th>Expires</th><th>Where</th><th>Scenarios covered</th>');
    expect(html).toContain('<p class="note">Known deviations: 1 active, 1 obsolete, 1 expired. <b class="bad-text">Expired deviations fail the run.</b></p>');
    expect(html).toMatch(/\.st-active\{background:var\(--accepted\)\}\.st-obsolete\{background:var\(--obsolete\)\}\.st-expired\{background:var\(--diff\)\}/);
    // before the long scenario list, so it is easy to reach
    expect(html.indexOf('id="deviations"')).toBeLessThan(html.indexOf('id="scenarios"'));
  });

  it('lists the noise ignored, non-deterministic scenarios and unreferenced baselines', () => {
    const html = renderHtml(sampleReport());
    expect(html).toContain('<p class="note">Learned noise ignored at 4 places in 3 scenarios (listed below).</p>');
    const noise = /<section id="noise">([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(noise).toContain('<details open><summary>Noise rules (4)</summary>');
    expect(noise).toContain(
      '<tr><td><span class="suite">ledger-cli › </span><code>export-csv</code></td><td><code>files out/ledger.csv</code></td><td><code>row 2, column batch</code></td><td class="values"><code>b-81f3</code> <code>b-9c02</code></td></tr>',
    );
    expect(noise).toContain('<code>line 1 ~ /^Report generated at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$/</code>');
    expect(noise).toContain('<h3>Legacy non-deterministic</h3>');
    expect(noise).toContain('<code>balance-multi-currency</code></td><td>stdout: the legacy printed 3 lines');
    const unreferenced = /<section id="unreferenced">([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(unreferenced).toContain('<p><b>ledger-cli</b>: 2 · policy <code>warn</code>: kept; listed as a warning</p>');
    expect(unreferenced).toContain('<p class="ids"><code>balance-legacy-format</code> <code>export-xml</code></p>');
    // a report without these has none of the sections
    const plain = sampleReport();
    plain.suites = [plain.suites[1]!];
    const quiet = renderHtml(reportOf(plain.suites));
    for (const id of ['deviations', 'noise', 'unreferenced']) expect(quiet).not.toContain(`id="${id}"`);
    expect(quiet).not.toContain('class="note"');
  });

  it('embeds a lean index: passing scenarios carry no details, others point at their block', () => {
    const html = renderHtml(manyScenariosReport(5000));
    const { index, details } = pageData(html);
    expect(index.scenarios).toHaveLength(5000);
    expect(Object.keys(index.scenarios.at(-1)).sort()).toEqual(['d', 'id', 's', 'tags', 'v']);
    expect(index.scenarios[0].v).toBe('diff'); // attention first
    expect(details).toHaveLength(100);
    expect(index.scenarios.slice(0, 100).map((s: { x: number }) => s.x)).toEqual([...Array(100).keys()]);
    expect(index.scenarios[0].ch).toEqual(['stdout']);
    expect(html.length).toBeLessThan(1_000_000);
  });
});

describe('renderHtml: controls and extra sections', () => {
  it('offers filters by verdict (with counts), suite, channel with a difference and tag, a view toggle and the keys', () => {
    const html = renderHtml(channelsReport());
    expect(html).toContain('<input type="checkbox" data-verdict="diff" checked><span class="dot v-diff"></span>diff <span class="muted count">8</span>');
    const options = (id: string) => [...new RegExp(`<select id="${id}"[^>]*>(.*?)</select>`).exec(html)![1]!.matchAll(/<option value="([^"]*)">([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
    expect(options('f-suite')).toEqual([['', 'all suites'], ['0', 'ledger-cli'], ['1', 'ledger-migrations'], ['2', 'orders-api'], ['3', 'orders-db']]);
    expect(options('f-channel').map((o) => o[0])).toEqual(['', 'stdout', 'exit', 'files', 'http', 'db', 'schema']);
    const tags = options('f-tag').slice(1).map((o) => o[1]);
    expect(tags).toEqual([...tags].sort());
    expect(tags).toContain('image');
    expect(pageData(html).index.tags).toEqual(tags);
    expect(html).toContain('<button type="button" data-view="split" aria-pressed="false">Side by side</button>');
    expect(html).toContain('<kbd>j</kbd>/<kbd>k</kbd> move');
    // one suite: no suite filter
    expect(renderHtml(serviceReport())).not.toContain('id="f-suite"');
  });

  it('places report and suite sections after the channel table, in order, once per suite', () => {
    REPORT_SECTIONS.push((report) => [`<section id="x-report">${report.suites.length} suites</section>`]);
    SUITE_SECTIONS.push((suite) => (suite.name === 'ledger-migrations' ? [] : [`<section class="x-suite">${escapeHtml(suite.name)}</section>`]));
    try {
      const html = renderHtml(sampleReport());
      const at = (text: string) => html.indexOf(text);
      expect(at('<section id="x-report">2 suites</section>')).toBeGreaterThan(at('<section id="channels">'));
      expect(at('<section class="x-suite">ledger-cli</section>')).toBeGreaterThan(at('<section id="x-report">'));
      expect(at('<section id="deviations">')).toBeGreaterThan(at('<section class="x-suite">ledger-cli</section>'));
      expect(html.match(/class="x-suite"/g)).toHaveLength(1);
    } finally {
      REPORT_SECTIONS.pop();
      SUITE_SECTIONS.pop();
    }
  });
});

describe('renderHtml: every channel rendered for what it is (details data)', () => {
  const html = renderHtml(channelsReport());

  it('keeps text hunks (both diff views are built from them) and clips them at 2,000 lines', () => {
    const d = detailOf(html, 'balance-negative').diffs[0];
    expect(d).toMatchObject({ label: 'stdout', kind: 'text', truncated: false, clipped: 0 });
    expect(d.hunks[0].lines).toContain('+savings        (35.50)');
    const report = sampleReport();
    const diff = report.suites[0]!.scenarios.find((s) => s.id === 'balance-negative')!.channels[0]!.difference!;
    if (diff.kind !== 'text') throw new Error('fixture changed');
    diff.hunks[0]!.lines = Array.from({ length: 2500 }, (_, i) => `+line ${i}`);
    const clipped = detailOf(renderHtml(report), 'balance-negative').diffs[0];
    expect(clipped.hunks[0].lines).toHaveLength(2000);
    expect(clipped.clipped).toBe(500);
  });

  it('splits JSONPaths into segments, quoted keys kept whole', () => {
    expect(jsonPathSegments('$.months[2].label')).toEqual(['months', '[2]', 'label']);
    expect(jsonPathSegments('$.meta["schema version"]')).toEqual(['meta', '"schema version"']);
    expect(jsonPathSegments('$["a.b[0]"].c')).toEqual(['"a.b[0]"', 'c']);
    expect(jsonPathSegments('$["say \\"hi\\""]')).toEqual(['"say \\"hi\\""']);
    expect(jsonPathSegments('$')).toEqual([]);
    expect(jsonPathSegments('$["unterminated')).toEqual(['$["unterminated']);
    expect(jsonPathSegments('status')).toEqual(['status']);
  });

  it('shows JSON differences as a tree of the changed paths with counts', () => {
    const d = detailOf(html, 'report-monthly-json').diffs[0];
    expect(d.kind).toBe('tree');
    const [root] = d.nodes;
    expect(root.k).toBe('$');
    expect(root.t).toBe(4);
    expect(root.n.map((n: { k: string }) => n.k)).toEqual(['months', 'totals', 'generatedBy', 'meta']);
    expect(root.n[0]).toEqual({ k: 'months', t: 1, n: [{ k: '[2]', t: 1, n: [{ k: 'label', c: { kind: 'changed', l: '"Mar"', r: '"March"' } }] }] });
    expect(root.n[2]).toEqual({ k: 'generatedBy', c: { kind: 'removed', l: '"ledger.py"' } });
    expect(root.n[3].n[0]).toEqual({ k: '"schema version"', c: { kind: 'added', r: '2' } });
  });

  it('shows database changes as row tables: both sides before/after, differing cells, missing and extra rows', () => {
    const d = detailOf(html, 'pay-order-writes').diffs[0];
    expect(d.kind).toBe('rows');
    const [orders, audit] = d.tables;
    expect(orders.t).toBe('public.orders');
    expect(orders.cols).toEqual(['id', 'sku', 'qty', 'status', 'total', 'note']);
    expect(orders.rows[0].k).toBe('id=17');
    expect(orders.rows[0].lines).toEqual([
      ['legacy before (update)', ['17', 'A1', '2', 'new', '21', null]],
      ['legacy after (update)', ['17', 'A1', '2', 'paid', '21', null]],
      ['candidate before (update)', ['17', 'A1', '2', 'new', '21', null]],
      ['candidate after (update)', ['17', 'A1', '2', 'PAID', '21.00', null]],
    ]);
    expect(orders.rows[0].hi).toEqual([3, 4]);
    expect(audit.rows.map((r: { kind: string; lines: unknown[] }) => [r.kind, r.lines.length])).toEqual([['missing', 1], ['extra', 1]]);
    // json as JSON text, bytea as PostgreSQL's \x hex
    expect(audit.rows[0].lines[0][1][2]).toBe('{"order":17,"by":"card"}');
    expect(audit.rows[1].lines[0]).toEqual(['candidate after (insert)', ['2025-11-21T10:30:00Z', 'PAY', '\\x6f726465723d3137']]);
    expect(pageData(html).index.scenarios.find((s: { id: string }) => s.id === 'pay-order-writes').ch).toEqual(['db']);
  });

  it('shows schema changes as DDL lines with both definitions', () => {
    const d = detailOf(html, 'migrate-schema').diffs[0];
    expect(d.kind).toBe('schema');
    expect(d.changes.map((c: { kind: string; ddl: string }) => `${c.kind}: ${c.ddl}`)).toEqual([
      'changed: ALTER TABLE public.orders ALTER COLUMN status TYPE character varying(20)',
      'removed: DROP INDEX public.orders_sku_idx',
      'added: ALTER TABLE public.orders ADD CHECK (qty > 0)',
    ]);
    expect(d.changes[0]).toMatchObject({ o: 'column public.orders.status', l: 'status text NOT NULL', c: 'status character varying(20) NOT NULL' });
  });

  it('carries images as PNG base64 (legacy, candidate, diff) and drops anything that is not one', () => {
    const d = detailOf(html, 'sales-chart').diffs[0];
    expect(d.img.same).toBe(true);
    for (const side of ['l', 'c', 'diff']) expect(Buffer.from(d.img[side], 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(d.img.note).toBe('160×100 → 160×100 px, threshold 0.1');
    expect(d.kind).toBe('table'); // sizes and hashes below the pictures
    expect(d.ex.sum).toBe('GET /reports/sales.png → legacy 200 OK, candidate 200 OK');

    const report = reportOf([databaseSuite()]);
    const image = (report.suites[0]!.scenarios[2]!.channels[0]!.difference as unknown as { image: Record<string, unknown> }).image;
    image.legacyPng = 'not base64 <script>';
    image.candidatePng = 'R0lGODlhAQABAAAAACw='; // a GIF: base64, but not a PNG
    image.diffPng = pngBase64Of(2, 2, () => [0, 0, 0, 255]);
    image.candidate = { width: 3, height: 2 };
    const img = detailOf(renderHtml(report), 'sales-chart').diffs[0].img;
    expect(Object.keys(img).sort()).toEqual(['diff', 'note', 'same']);
    expect(img.same).toBe(false);
    expect(img.note).toContain('the report does not carry the two images');
    expect(img.note).toContain('not shown (not a PNG, or larger than 2 MiB as base64): legacy, candidate');
  });

  it('shows an HTTP exchange: the request and both responses, long ones collapsed, headers capped', () => {
    const report = serviceReport();
    const ex = report.suites[0]!.scenarios.find((s) => s.id === 'create-order')!.channels.find((c) => c.exchange !== undefined)!.exchange!;
    const short = detailOf(renderHtml(report), 'create-order').diffs[0].ex;
    expect(short).toMatchObject({ by: 'candidate', st: true, open: true, req: { line: 'POST /orders' }, l: { line: '201 Created' }, c: { line: '400 Bad Request' } });
    ex.legacy!.body = Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n');
    ex.candidate!.headers = Array.from({ length: 130 }, (_, i): [string, string] => [`x-h${i}`, 'v'.repeat(i === 0 ? 2000 : 1)]);
    const long = detailOf(renderHtml(report), 'create-order').diffs[0].ex;
    expect(long.open).toBe(false);
    const headers = long.c.headers.split('\n');
    expect(headers).toHaveLength(101);
    expect(headers[0]).toBe(`x-h0: ${'v'.repeat(994)}… (1006 more characters)`);
    expect(headers.at(-1)).toBe('… 30 more headers');
    const pay = detailOf(renderHtml(serviceReport()), 'pay-order').diffs[0].ex;
    expect(pay.by).toBe('legacy');
    expect(pay.c).toBeUndefined();
  });

  it('keeps noise, accepted deviations, flaky places, errors and timing in the details', () => {
    const sample = renderHtml(sampleReport());
    const { index, details } = pageData(sample);
    const all = details.map((d: object) => JSON.stringify(d)).join('\n');
    expect(all).toContain('"by":["pdf-renderer"]');
    const flaky = index.scenarios.find((s: { v: string }) => s.v === 'flaky');
    expect(details[flaky.x].fl).toEqual({ n: 3, v: ['stdout line 4', 'stdout line 9'] });
    expect(details.some((d: { nz?: unknown }) => d.nz !== undefined)).toBe(true);
    const missing = index.scenarios.find((s: { v: string }) => s.v === 'missing');
    expect(details[missing.x].err).toContain('no baseline for scenario "import-empty"');
  });

  it('stays lean at 10,000 scenarios with 2% differing: a compact index, details only for those 2% (and accepted)', () => {
    const big = renderHtml(largeReport(10_000));
    const { index, details } = pageData(big);
    expect(index.scenarios).toHaveLength(10_000);
    expect(index.scenarios.filter((s: { v: string }) => s.v === 'diff')).toHaveLength(200);
    expect(details).toHaveLength(220);
    const indexBytes = /id="paritykit-data">([\s\S]*?)<\/script>/.exec(big)![1]!.length;
    expect(indexBytes / 10_000).toBeLessThan(100); // bytes per scenario in the initial parse
  });
});

describe('renderHtml: content from the systems under test is inert', () => {
  const html = renderHtml(hostileReport());
  const xss = renderHtml(xssReport());

  it('never lets a payload reach the markup unescaped', () => {
    for (const payload of HOSTILE_STRINGS.filter((p) => /[<>"'&]/.test(p))) expect(html).not.toContain(payload);
    for (const payload of XSS_PAYLOADS.filter((p) => /[<>"'&]/.test(p))) expect(xss, payload).not.toContain(payload);
    for (const page of [html, xss]) {
      const tags = startTags(page);
      const elements = new Set(tags.map((t) => t.tag));
      for (const active of ['img', 'svg', 'math', 'iframe', 'object', 'embed', 'form', 'base', 'link', 'template', 'textarea', 'video']) {
        expect(elements.has(active), active).toBe(false);
      }
      expect(page.match(/<meta /g)).toHaveLength(4); // charset, CSP, referrer, viewport
      expect(tags.filter((t) => t.tag === 'style')).toHaveLength(1);
      const attributes = new Set(tags.flatMap((t) => t.attributes));
      expect([...attributes].filter((a) => a.startsWith('on') || ['src', 'action', 'formaction', 'xlink:href', 'srcdoc'].includes(a))).toEqual([]);
      expect(tags.filter((t) => t.attributes.includes('href')).every((t) => t.tag === 'a')).toBe(true);
      expect(page).not.toContain('<!--');
      // the script elements: the page's own, the index and one inert block per detailed scenario
      expect(page.match(/<script/gi)!.length).toBe(2 + pageData(page).details.length);
      expect(page.match(/<\/script/gi)!.length).toBe(page.match(/<script/gi)!.length);
    }
    // the https ticket carrying markup is a link with its markup percent-encoded; the
    // javascript: ticket and the markup ticket stay text
    const links = [...html.matchAll(/<a ([^>]*)>/g)].map((m) => m[1]);
    expect(links).toEqual(['href="https://tracker.example.com/a%22%3E%3Csvg/onload=alert(1)%3E" rel="noreferrer noopener"']);
    expect(html).toContain('<td class="ticket">javascript:alert(1)</td>');
    expect(xss).toContain('<td class="ticket">javascript:window.__pwned=2</td>');
    // the same set of elements as a page of the same suites without hostile content
    const clean = startTags(renderHtml(reportOf([...sampleReport().suites, serviceSuite()])));
    expect(new Set(startTags(html).map((t) => t.tag))).toEqual(new Set(clean.map((t) => t.tag)));
    expect(html).toContain('<th scope="row">ledger &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</th>');
    expect(xss).toContain(`<option value="4">xss ${escapeHtml(XSS_PAYLOADS[0]!)}</option>`);
  });

  it('embeds data that cannot close its script element and reads back exactly', () => {
    const blocks = [...xss.matchAll(/<script type="application\/json" id="[^"]+">([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(XSS_PAYLOADS.length);
    for (const block of blocks) expect(block).not.toMatch(/[<>&'\u2028\u2029]/);
    const text = JSON.stringify(pageData(xss));
    for (const payload of XSS_PAYLOADS) expect(text).toContain(JSON.stringify(payload).slice(1, -1));
    const id = pageData(xss).index.scenarios.find((s: { id: string }) => s.id.startsWith('payload-05-')).id;
    expect(id).toBe(`payload-05-${XSS_PAYLOADS[4]}`);
    expect(embedJson({ a: '</script><!--\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('has a script that builds text nodes only and writes no URL from the data', () => {
    for (const forbidden of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'Function(', 'srcdoc', 'setTimeout(apply', '`']) {
      expect(CLIENT_SCRIPT, forbidden).not.toContain(forbidden);
    }
    // Attributes it sets: aria-pressed from constants only.
    expect([...CLIENT_SCRIPT.matchAll(/setAttribute\((.*?)\);/g)].map((m) => m[1])).toEqual([
      "'aria-pressed', b.getAttribute('data-view') === v ? 'true' : 'false'",
    ]);
    // URLs it writes: a fragment of encodeURIComponent parts, and a checked base64 PNG.
    expect([...CLIENT_SCRIPT.matchAll(/\.(href|src) = (.*);$/gm)].map((m) => `${m[1]} = ${m[2]}`)).toEqual([
      "href = '#' + s.key",
      "src = 'data:image/png;base64,' + b64",
    ]);
    expect(CLIENT_SCRIPT).toContain("s.key = encodeURIComponent(data.suites[s.s]) + '/' + encodeURIComponent(s.id);");
    expect(CLIENT_SCRIPT).toContain("!/^[A-Za-z0-9+\\/]+={0,2}$/.test(b64)");
  });

  it('escapes HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;\u0000</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;\ufffd&lt;/a&gt;');
  });

  it('renders an empty run', () => {
    const empty = renderHtml(reportOf([]));
    expect(empty).toContain('No suites ran.');
    expect(pageData(empty)).toEqual({ index: { suites: [], tags: [], channels: [], scenarios: [] }, details: [] });
  });
});

/** Keeps the type import honest: fixtures produce ParityReports. */
export type _Checked = ParityReport;
