import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HOSTILE_STRINGS, hostileReport, manyScenariosReport, reportOf, sampleReport, serviceReport, serviceSuite } from './fixtures.ts';
import { CLIENT_SCRIPT, embedJson, escapeHtml, renderHtml } from './html.ts';

// ---------------------------------------------------------------------------------------------
// A minimal DOM, enough to run the page's script in Node and see what it builds. It records
// every element created and fails on any HTML-parsing API (innerHTML & co.).

class FakeNode {
  tag: string;
  text: string;
  children: FakeNode[] = [];
  parent: FakeNode | null = null;
  className = '';
  hidden = false;
  open = false;
  colSpan = 1;
  checked = true;
  value = '';
  attrs = new Map<string, string>();
  listeners = new Map<string, (() => void)[]>();
  doc: FakeDocument;

  constructor(doc: FakeDocument, tag: string, text = '') {
    this.doc = doc;
    this.tag = tag;
    this.text = text;
  }
  get childNodes(): FakeNode[] {
    return this.children;
  }
  get firstChild(): FakeNode | null {
    return this.children[0] ?? null;
  }
  appendChild(node: FakeNode): FakeNode {
    if (node.tag === '#fragment') {
      for (const child of node.children) this.appendChild(child);
      node.children = [];
      return node;
    }
    node.parent = this;
    this.children.push(node);
    return node;
  }
  removeChild(node: FakeNode): FakeNode {
    this.children = this.children.filter((c) => c !== node);
    node.parent = null;
    return node;
  }
  get textContent(): string {
    return this.tag === '#text' ? this.text : this.children.map((c) => c.textContent).join('');
  }
  set textContent(value: string) {
    if (this.tag === '#text') {
      this.text = value;
      return;
    }
    this.children = [];
    if (value !== '') this.appendChild(new FakeNode(this.doc, '#text', String(value)));
  }
  set innerHTML(_value: string) {
    throw new Error('the page script used innerHTML');
  }
  set outerHTML(_value: string) {
    throw new Error('the page script used outerHTML');
  }
  insertAdjacentHTML(): never {
    throw new Error('the page script used insertAdjacentHTML');
  }
  getAttribute(name: string): string | null {
    return this.attrs.get(name) ?? null;
  }
  setAttribute(name: string, value: string): void {
    this.doc.attributesSet.push(name);
    this.attrs.set(name, value);
  }
  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  dispatch(type: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener();
  }
  focus(): void {
    this.doc.activeElement = this;
  }
  /** Depth-first descendants (elements only). */
  all(): FakeNode[] {
    return this.children.flatMap((c) => (c.tag === '#text' ? [] : [c, ...c.all()]));
  }
}

class FakeDocument {
  created: string[] = [];
  attributesSet: string[] = [];
  byId = new Map<string, FakeNode>();
  boxes: FakeNode[] = [];
  activeElement: FakeNode | null = null;
  listeners = new Map<string, ((event: unknown) => void)[]>();

  getElementById(id: string): FakeNode | null {
    return this.byId.get(id) ?? null;
  }
  querySelectorAll(selector: string): FakeNode[] {
    if (selector !== 'input[data-verdict]') throw new Error(`unexpected selector ${selector}`);
    return this.boxes;
  }
  createElement(tag: string): FakeNode {
    this.created.push(tag);
    return new FakeNode(this, tag);
  }
  createTextNode(text: string): FakeNode {
    return new FakeNode(this, '#text', text);
  }
  createDocumentFragment(): FakeNode {
    return new FakeNode(this, '#fragment');
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  write(): never {
    throw new Error('the page script used document.write');
  }
}

/** Loads a rendered page: the static elements the script looks up, then runs its script. */
function loadPage(html: string) {
  const doc = new FakeDocument();
  const data = /<script type="application\/json" id="paritykit-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const dataNode = new FakeNode(doc, 'script');
  dataNode.textContent = data; // a script element's text is raw: no entity decoding
  doc.byId.set('paritykit-data', dataNode);
  for (const [id, tag] of [['list', 'div'], ['status', 'p'], ['more', 'button'], ['search', 'input']] as const) {
    expect(html).toContain(`id="${id}"`);
    doc.byId.set(id, new FakeNode(doc, tag));
  }
  for (const m of html.matchAll(/<input type="checkbox" data-verdict="([a-z]+)" checked>/g)) {
    const box = new FakeNode(doc, 'input');
    box.attrs.set('data-verdict', m[1]!);
    doc.boxes.push(box);
  }
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  vm.runInNewContext(script, {
    document: doc,
    setTimeout: (fn: () => void) => {
      fn(); // run debounced work at once
      return 1;
    },
    clearTimeout: () => undefined,
  });
  const list = doc.byId.get('list')!;
  const rows = () => list.children;
  const setFilter = (verdict: string, on: boolean) => {
    const box = doc.boxes.find((b) => b.getAttribute('data-verdict') === verdict)!;
    box.checked = on;
    box.dispatch('change');
  };
  const searchFor = (text: string) => {
    const search = doc.byId.get('search')!;
    search.value = text;
    search.dispatch('input');
  };
  const open = (row: FakeNode) => {
    row.open = true;
    row.dispatch('toggle');
    return row;
  };
  const rowFor = (id: string) => rows().find((r) => r.textContent.includes(id))!;
  return { doc, list, rows, setFilter, searchFor, open, rowFor, status: doc.byId.get('status')!, more: doc.byId.get('more')! };
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

  it('pins its only script with a CSP hash', () => {
    const html = renderHtml(sampleReport());
    const hash = createHash('sha256').update(CLIENT_SCRIPT).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain(`<script>${CLIENT_SCRIPT}</script>`);
    expect(html.match(/<script/g)).toHaveLength(2);
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

  it('embeds lean data: passing scenarios carry no details', () => {
    const html = renderHtml(manyScenariosReport(5000));
    const data = JSON.parse(/id="paritykit-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
    expect(data.scenarios).toHaveLength(5000);
    expect(Object.keys(data.scenarios.at(-1)).sort()).toEqual(['d', 'id', 's', 'tags', 'v']);
    expect(data.scenarios[0].v).toBe('diff'); // attention first
    expect(html.length).toBeLessThan(1_000_000);
  });
});

describe('renderHtml: the page script', () => {
  it('lists every scenario, attention first, passing ones compact', () => {
    const page = loadPage(renderHtml(sampleReport()));
    expect(page.rows()).toHaveLength(12);
    expect(page.status.textContent).toBe('Showing 12 of 12 scenarios');
    expect(page.more.hidden).toBe(true);
    const verdicts = page.rows().map((r) => r.all().find((n) => n.className.startsWith('badge'))!.textContent);
    expect(verdicts).toEqual(['diff', 'diff', 'diff', 'error', 'missing', 'flaky', 'new', 'accepted', 'pass', 'pass', 'pass', 'pass']);
    expect(page.rows().filter((r) => r.tag === 'div' && r.className === 'row compact')).toHaveLength(4);
    const first = page.rows()[0]!;
    expect(first.tag).toBe('details');
    expect(first.textContent).toBe('diffledger-cli › balance-negativebalancenegativestdout: 1 line changed; exit: exit code 1 → 052 ms');
    expect(first.children).toHaveLength(1); // details are built only when opened
  });

  it('shows text diffs with line numbers and coloured lines', () => {
    const page = loadPage(renderHtml(sampleReport()));
    const detail = page.open(page.rowFor('balance-negative')).children[1]!;
    const rows = detail.all().filter((n) => n.tag === 'tr');
    expect(rows.map((r) => r.className)).toEqual(['hunk', 'ctx', 'ctx', 'del', 'add', 'ctx', '', 'chg', '', '', '']); // '' = table header or timing
    expect(rows[0]!.textContent).toBe('@@ -1,4 +1,4 @@');
    expect(rows[3]!.children.map((c) => c.textContent)).toEqual(['3', '', '-savings        -35.50']);
    expect(rows[4]!.children.map((c) => c.textContent)).toEqual(['', '3', '+savings        (35.50)']);
    expect(rows[5]!.children.map((c) => c.textContent)).toEqual(['4', '4', ' Total           84.50']);
    expect(rows[6]!.children.map((c) => c.textContent)).toEqual(['Legacy', 'Candidate']);
    expect(rows[7]!.children.map((c) => c.textContent)).toEqual(['{"code":1,"signal":null,"timedOut":false}', '{"code":0,"signal":null,"timedOut":false}']);
    expect(rows.slice(8).map((r) => r.children.map((c) => c.textContent))).toEqual([
      ['', 'Legacy', 'Candidate'],
      ['wall time', '131 ms', '47 ms'],
      ['peak RSS', '9.5 MiB', '–'],
    ]);
    expect(detail.textContent).toContain('stdout — 1 line changed');
    expect(detail.textContent).toContain('Matching: stderr');
    const flaky = page.open(page.rowFor('import-large')).textContent;
    expect(flaky).toContain('The comparator truncated this diff');
  });

  it('shows JSON, CSV and binary differences as tables', () => {
    const page = loadPage(renderHtml(sampleReport()));
    const cells = (id: string) =>
      page.open(page.rowFor(id)).all().filter((n) => n.tag === 'tr').map((r) => r.children.map((c) => c.textContent));
    expect(cells('report-monthly-json').slice(0, 5)).toEqual([
      ['Path', 'Change', 'Legacy', 'Candidate'],
      ['$.months[2].label', 'changed', '"Mar"', '"March"'],
      ['$.totals.net', 'type', '84.5', '"84.50"'],
      ['$.generatedBy', 'removed', '"ledger.py"', '–'],
      ['$.meta["schema version"]', 'added', '–', '2'],
    ]);
    expect(cells('export-csv').slice(0, 3)).toEqual([
      ['Row', 'Column', 'Change', 'Legacy', 'Candidate'],
      ['7', 'amount', 'changed', '10.50', '10.5'],
      ['8', 'memo', 'changed', 'rent, march', 'rent march'],
    ]);
    expect(cells('export-pdf')).toEqual([
      ['', 'Size (bytes)', 'SHA-256'],
      ['legacy', '18,204', '3f1c0d9e2b7a4c5d6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9011223344aa'],
      ['candidate', '18,311', '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f3021120344556677ccbb'],
    ]);
    const error = page.open(page.rowFor('import-corrupt')).textContent;
    expect(error).toContain('Errorcandidate could not be compared: spawn node ENOENT');
  });

  it('shows accepted differences with their deviations, flaky places, noise and non-deterministic notes', () => {
    const page = loadPage(renderHtml(sampleReport()));
    const accepted = page.open(page.rowFor('export-pdf'));
    const heading = accepted.all().find((n) => n.tag === 'h4')!;
    expect(heading.className).toBe('accepted');
    expect(heading.textContent).toBe('files out/statement.pdf — accepted by pdf-renderer — binary content differs (18,204 → 18,311 bytes)');

    const flaky = page.open(page.rowFor('import-large'));
    expect(flaky.all().find((n) => n.tag === 'h4')!.textContent).toBe("Varied between the candidate's 3 runs");
    const rows = (node: FakeNode) => node.all().filter((n) => n.tag === 'tr').map((r) => r.children.map((c) => c.textContent));
    expect(rows(flaky).slice(0, 3)).toEqual([['Place'], ['stdout line 4'], ['stdout line 9']]);

    const json = page.open(page.rowFor('report-monthly-json'));
    expect(json.textContent).toContain('Noise ignored (learned from the legacy)');
    expect(rows(json).slice(5)).toEqual([
      ['Channel', 'Where', 'Values seen'],
      ['files out/report.json', '$.generatedAt', '2025-11-20T16:02:11Z · 2025-11-20T16:02:13Z'],
      ['files out/report.json', '$.categories (any order)', '["food","rent"] · ["rent","food"]'],
    ]);

    // a passing scenario stays one compact line, with its non-deterministic legacy flagged
    const multi = page.rowFor('balance-multi-currency');
    expect(multi.tag).toBe('div');
    expect(multi.all().find((n) => n.className === 'warn')!.textContent).toBe('legacy non-deterministic');
    expect(multi.all().find((n) => n.className === 'sum')!.textContent).toMatch(/^stdout: the legacy printed 3 lines/);
  });

  it('shows an HTTP exchange above its diff: the request, then both responses side by side', () => {
    const page = loadPage(renderHtml(serviceReport()));
    const detail = page.open(page.rowFor('create-order')).children[1]!;
    const parts = detail.children.map((n) => `${n.tag}.${n.className}`);
    expect(parts).toEqual(['h4.', 'details.exchange', 'div.scroll']); // heading, exchange, then the diff table
    const ex = detail.children[1]!;
    expect(ex.open).toBe(true);
    expect(ex.children[0]!.tag).toBe('summary');
    expect(ex.children[0]!.textContent).toBe('Request and responses: POST /orders → legacy 201 Created, candidate 400 Bad Request');
    const text = (node: FakeNode) => node.children.map((c) => [c.className, c.textContent]);
    const [request, sides] = [ex.children[1]!, ex.children[2]!];
    expect(text(request)).toEqual([
      ['msg-title', 'Request, as the candidate sent it'],
      ['start', 'POST /orders'],
      ['hdrs', 'content-type: application/json\naccept: application/json'],
      ['body', '{"sku":"A1","qty":2}'],
    ]);
    expect(sides.className).toBe('sides');
    expect(sides.children.map(text)).toEqual([
      [
        ['msg-title', 'Legacy response'],
        ['start del', '201 Created'],
        ['hdrs', 'content-type: application/json\nlocation: /orders/17'],
        ['body', '{"id":17,"sku":"A1","total":21}'],
      ],
      [
        ['msg-title', 'Candidate response'],
        ['start add', '400 Bad Request'],
        ['hdrs', 'content-type: application/json'],
        ['body', '{"error":"qty must be a string"}'],
      ],
    ]);
    expect(sides.all().filter((n) => n.tag === 'pre').every((n) => n.children.every((c) => c.tag === '#text'))).toBe(true);
  });

  it('shows binary bodies, bodiless responses and a side that never sent the request', () => {
    const page = loadPage(renderHtml(serviceReport()));
    const exchangeOf = (id: string) => page.open(page.rowFor(id)).all().find((n) => n.className === 'exchange')!;
    const receipt = exchangeOf('order-receipt');
    const bodies = receipt.all().filter((n) => n.className === 'body').map((n) => n.textContent);
    expect(bodies).toEqual([
      '<binary, 912 bytes, sha256 0b7a4f3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50>',
      '<binary, 1004 bytes, sha256 5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e61>',
    ]);
    // same status on both sides: not highlighted
    expect(receipt.all().filter((n) => n.tag === 'pre' && n.className.startsWith('start')).map((n) => n.className)).toEqual(['start', 'start', 'start']);

    const cancel = exchangeOf('cancel-order'); // accepted: the exchange is shown too
    expect(cancel.all().filter((n) => n.className === 'note').map((n) => n.textContent)).toEqual(['No body.', 'No body.', 'No body.']);
    expect(cancel.all().some((n) => n.className === 'hdrs')).toBe(false); // no headers, no empty block

    const pay = exchangeOf('pay-order');
    expect(pay.children[0]!.textContent).toBe('Request and responses: POST /orders/17/pay → legacy 202 Accepted, candidate not sent');
    expect(pay.children[1]!.children[0]!.textContent).toBe('Request, as the legacy sent it');
    expect(pay.all().find((n) => n.className.startsWith('start') && n.textContent === '202 Accepted')!.className).toBe('start'); // nothing to compare with
    const candidate = pay.children[2]!.children[1]!;
    expect(candidate.children.map((c) => c.textContent)).toEqual(['Candidate response', 'The candidate did not send this request.']);
  });

  it('collapses a long exchange and caps its headers', () => {
    const report = serviceReport();
    const ex = report.suites[0]!.scenarios[1]!.channels[0]!.exchange!;
    ex.legacy!.body = Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n');
    ex.candidate!.headers = Array.from({ length: 130 }, (_, i): [string, string] => [`x-h${i}`, 'v'.repeat(i === 0 ? 2000 : 1)]);
    const page = loadPage(renderHtml(report));
    const box = page.open(page.rowFor('create-order')).all().find((n) => n.className === 'exchange')!;
    expect(box.open).toBe(false);
    const headers = box.all().filter((n) => n.className === 'hdrs')[2]!.textContent.split('\n');
    expect(headers).toHaveLength(101);
    expect(headers[0]).toBe(`x-h0: ${'v'.repeat(994)}… (1006 more characters)`);
    expect(headers.at(-1)).toBe('… 30 more headers');
    // passing exchanges carry nothing: the data stays lean
    const data = JSON.parse(/id="paritykit-data">([\s\S]*?)<\/script>/.exec(renderHtml(serviceReport()))![1]!);
    expect(data.scenarios.filter((s: { ex?: unknown; diffs?: { ex?: unknown }[] }) => (s.diffs ?? []).some((d) => d.ex !== undefined)).map((s: { id: string }) => s.id)).toEqual([
      'create-order',
      'order-receipt',
      'pay-order',
      'cancel-order',
    ]);
  });

  it('filters by verdict and searches ids, tags and suite names', () => {
    const page = loadPage(renderHtml(sampleReport()));
    page.setFilter('pass', false);
    expect(page.rows()).toHaveLength(8);
    expect(page.status.textContent).toBe('Showing 8 of 8 matching scenarios (12 in total)');
    page.setFilter('pass', true);
    page.searchFor('EXPORT');
    expect(page.rows().map((r) => r.all().find((n) => n.className === 'name')!.textContent)).toEqual(['ledger-cli › export-csv', 'ledger-cli › export-pdf']);
    page.searchFor('smoke'); // a tag
    expect(page.rows()).toHaveLength(1);
    page.searchFor('migrations noop'); // suite name and id, all terms must match
    expect(page.rows().map((r) => r.textContent)).toEqual(['passledger-migrations › migrate-noopmigrate30 ms']);
    page.searchFor('nothing-matches-this');
    expect(page.rows()).toHaveLength(0);
    expect(page.status.textContent).toBe('Showing 0 of 0 matching scenarios (12 in total)');
  });

  it('pages through 5,000 scenarios 500 at a time', () => {
    const page = loadPage(renderHtml(manyScenariosReport(5000)));
    expect(page.rows()).toHaveLength(500);
    expect(page.more.hidden).toBe(false);
    expect(page.more.textContent).toBe('Show 500 more');
    page.more.dispatch('click');
    expect(page.rows()).toHaveLength(1000);
    expect(page.status.textContent).toBe('Showing 1000 of 5000 scenarios');
    page.searchFor('group-3');
    expect(page.rows().length).toBeGreaterThan(0);
    expect(page.rows().every((r) => r.textContent.includes('group-3'))).toBe(true);
  });
});

describe('renderHtml: content from the systems under test is inert', () => {
  const html = renderHtml(hostileReport());

  it('never lets a payload reach the markup unescaped', () => {
    for (const payload of HOSTILE_STRINGS.filter((p) => /[<>"'&]/.test(p))) expect(html).not.toContain(payload);
    const tags = startTags(html);
    const elements = new Set(tags.map((t) => t.tag));
    for (const active of ['img', 'svg', 'iframe', 'object', 'embed', 'form', 'base', 'link']) expect(elements.has(active), active).toBe(false);
    const attributes = new Set(tags.flatMap((t) => t.attributes));
    // no event handlers, and no URL-bearing attribute but the href of ticket links
    expect([...attributes].filter((a) => a.startsWith('on') || ['src', 'action', 'formaction', 'xlink:href', 'srcdoc'].includes(a))).toEqual([]);
    expect(tags.filter((t) => t.attributes.includes('href')).every((t) => t.tag === 'a')).toBe(true);
    // the https ticket carrying markup is a link with its markup percent-encoded; the
    // javascript: ticket and the markup ticket stay text
    const links = [...html.matchAll(/<a ([^>]*)>/g)].map((m) => m[1]);
    expect(links).toEqual(['href="https://tracker.example.com/a%22%3E%3Csvg/onload=alert(1)%3E" rel="noreferrer noopener"']);
    expect(html).toContain('<td class="ticket">javascript:alert(1)</td>');
    expect(html).toContain('<td class="ticket">&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    // the same set of elements and attributes as a page of the same suites without hostile content
    const clean = startTags(renderHtml(reportOf([...sampleReport().suites, serviceSuite()])));
    expect(elements).toEqual(new Set(clean.map((t) => t.tag)));
    // (`open` depends on how many noise rules there are, not on their content)
    const withoutOpen = (set: Set<string>) => new Set([...set].filter((a) => a !== 'open'));
    expect(withoutOpen(attributes)).toEqual(withoutOpen(new Set(clean.flatMap((t) => t.attributes))));
    // exactly the page's two script elements
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain('<!--');
    // escaped where interpolated
    expect(html).toContain('<th scope="row">ledger &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</th>');
    expect(html).toContain('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(html).toContain('version <b>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b>');
  });

  it('embeds data that cannot close its script element and reads back exactly', () => {
    const data = /id="paritykit-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.toMatch(/[<>&'\u2028\u2029]/);
    const parsed = JSON.parse(data);
    const text = JSON.stringify(parsed);
    for (const payload of HOSTILE_STRINGS) expect(text).toContain(JSON.stringify(payload).slice(1, -1));
    expect(embedJson({ a: '</script><!--\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('renders payloads as text: the script creates no active element and sets no attribute', () => {
    const page = loadPage(html);
    for (const row of page.rows()) if (row.tag === 'details') page.open(row);
    const allowed = new Set(['div', 'span', 'details', 'summary', 'h4', 'pre', 'p', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
    expect(page.doc.created.filter((tag) => !allowed.has(tag))).toEqual([]);
    expect(page.doc.attributesSet).toEqual([]);
    const shown = page.list.textContent;
    for (const payload of HOSTILE_STRINGS.slice(0, 6)) expect(shown).toContain(payload);
    // the HTTP exchanges carry them in method, URL, headers, reason phrases and bodies: as text
    const exchanges = page.list.all().filter((n) => n.className === 'exchange');
    expect(exchanges).toHaveLength(4);
    for (const ex of exchanges) {
      const start = ex.all().filter((n) => n.className.startsWith('start')).map((n) => n.textContent);
      expect(start[0]).toBe(`${HOSTILE_STRINGS[0]} /orders/${HOSTILE_STRINGS[1]}?q=${HOSTILE_STRINGS[5]}`);
      for (const block of ex.all().filter((n) => n.className === 'body' || n.className === 'hdrs')) {
        expect(block.children.map((c) => c.tag)).toEqual(['#text']);
        expect(block.textContent).toContain(HOSTILE_STRINGS[2]);
      }
    }
    expect(shown).toContain(`201 ${HOSTILE_STRINGS[2]}`);
    for (const forbidden of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'Function(', 'setAttribute', '.href', '.src']) {
      expect(CLIENT_SCRIPT).not.toContain(forbidden);
    }
  });

  it('escapes HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;\u0000</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;\ufffd&lt;/a&gt;');
  });

  it('renders an empty run', () => {
    const empty = renderHtml(reportOf([]));
    expect(empty).toContain('No suites ran.');
    expect(loadPage(empty).rows()).toHaveLength(0);
  });
});
