import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import type { Difference } from '../harness/model.ts';
import { hostileReport, manyScenariosReport, reportOf, sampleReport, serviceReport, suiteOf } from './fixtures.ts';
import type { ScenarioReport } from './model.ts';
import { escapeInline, fenced, renderMarkdown } from './markdown.ts';

/** GitHub-flavoured Markdown → HTML, as marked (a CommonMark/GFM implementation) renders it. */
function toHtml(markdown: string): string {
  return marked.parse(markdown, { async: false, gfm: true });
}

const identity = { legacy: null, candidate: { command: ['node'], version: null, gitCommit: null }, revision: null, recordedAt: null };

function bigDiffScenario(id: string, lines: number): ScenarioReport {
  const unified = Array.from({ length: lines }, (_, i) => `+line ${i} ${'y'.repeat(60)}`).join('\n');
  const difference: Difference = { kind: 'text', summary: `${lines} lines added`, unified, hunks: [], truncated: false };
  return { id, tags: [], verdict: 'diff', durationMs: 1, channels: [{ channel: 'stdout', verdict: 'diff', difference }] };
}

describe('renderMarkdown', () => {
  it('has a title, a table per suite, per-channel parity and a details block per scenario needing attention', () => {
    const md = renderMarkdown(sampleReport());
    expect(md.startsWith('## ❌ Parity 41.7% — 5 of 12 scenarios match the legacy\n')).toBe(true);
    expect(md).toContain('| Suite | Parity | Scenarios | Pass | Accepted | Diff | Flaky | Error | Missing | New |');
    expect(md).toContain('| ledger-cli | 30.0% | 10 | 2 | 1 | 3 | 1 | 1 | 1 | 1 |');
    expect(md).toContain('| **All suites** | **41.7%** | 12 | 4 | 1 | 3 | 1 | 1 | 1 | 1 |');
    expect(md).toContain('| ledger-cli | 71.4% (5/7) | 100% (7/7) | 85.7% (6/7) | 50.0% (2/4) |');
    expect(md).toContain('### Needs attention (6)');
    expect(md).toContain('### Flaky: the candidate disagreed with itself (1)');
    expect(md).toContain('### Accepted: differences explained by deviations (1)');
    // 6 needing attention, 1 flaky, 1 accepted, and the collapsed noise table
    expect(md.match(/<details>/g)).toHaveLength(9);
    expect(md).toContain('**stdout** — 1 line changed\n\n```diff\n--- legacy stdout\n');
    // sections in reading order: failures first, the record of what was accepted or ignored last
    const order = ['### Needs attention', '### Flaky', '### Accepted', '### Known deviations', '### Noise ignored', '### Legacy non-deterministic', '### Unreferenced baselines'];
    expect(order.map((title) => md.indexOf(title))).toEqual(order.map((title) => md.indexOf(title)).sort((a, b) => a - b));

    const html = toHtml(md);
    expect(html).toContain('<table>');
    expect(html).toContain('<code class="language-diff">--- legacy stdout\n+++ candidate stdout\n@@ -1,4 +1,4 @@\n');
    expect(html).toContain('<summary><code>ledger-cli › balance-negative</code> — <b>diff</b>: stdout: 1 line changed; exit: exit code 1 → 0</summary>');
  });

  it('shows accepted and flaky scenarios apart from differences, with deviations and varying places', () => {
    const md = renderMarkdown(sampleReport());
    const accepted = md.slice(md.indexOf('### Accepted'), md.indexOf('### Known deviations'));
    expect(accepted).toContain('<code>ledger-cli › export-pdf</code> — <b>accepted</b>: files out/statement.pdf: binary content differs (18,204 → 18,311 bytes) (accepted by pdf-renderer)');
    expect(accepted).toContain('**files out/statement.pdf** — binary content differs \\(18,204 → 18,311 bytes\\) — _accepted by pdf-renderer_');
    const flaky = md.slice(md.indexOf('### Flaky'), md.indexOf('### Accepted'));
    expect(flaky).toContain('<b>flaky</b>: varies between 3 candidate runs at stdout line 4, stdout line 9;');
    expect(flaky).toContain("Varied between the candidate's 3 runs:\n\n- <code>stdout line 4</code>\n- <code>stdout line 9</code>");
    const attention = md.slice(md.indexOf('### Needs attention'), md.indexOf('### Flaky'));
    expect(attention).not.toContain('import-large');
    expect(attention).not.toContain('export-pdf');
  });

  it('has a Known deviations section: status, coverage, reason, ticket, owner, expiry, place', () => {
    const md = renderMarkdown(sampleReport());
    expect(md).toContain('deviations: 1 active, 1 obsolete, 1 expired (expired deviations fail the run)');
    const section = md.slice(md.indexOf('### Known deviations'), md.indexOf('### Noise ignored'));
    const rows = section.split('\n').filter((line) => line.startsWith('| <code>'));
    expect(rows).toEqual([
      '| <code>help-wording</code> | ❌ expired: past its expiry date; fails the run | 0 | Help text reworded for the new command-line parser. | LEDGER-150 | – | 2025-10-31 | <code>stdout /^Usage&#58;/</code> |',
      '| <code>csv-quoting</code> | ⚠️ obsolete: matched nothing in this run; remove it | 0 | The legacy quoted every CSV field; the rewrite quotes only where needed. | LEDGER-97 | sam | – | <code>files out/*.csv memo</code> |',
      '| <code>pdf-renderer</code> | ✅ active | 1 scenario: <code>export-pdf</code> | Statements are rendered with pdfkit instead of ReportLab\\: same content, different bytes. Checked by hand on 20 statements. | <https://tracker.example.com/LEDGER-142> | ana.lima | 2026-06-30 | <code>files out/*.pdf</code> |',
    ]);
    const html = toHtml(section);
    expect(html).toContain('<a href="https://tracker.example.com/LEDGER-142">https://tracker.example.com/LEDGER-142</a>');
    expect(html).toContain('<td align="left">Statements are rendered with pdfkit instead of ReportLab: same content');
  });

  it('lists the noise ignored, non-deterministic scenarios and unreferenced baselines', () => {
    const md = renderMarkdown(sampleReport());
    expect(md).toContain('Learned noise ignored at 4 places in 3 scenarios');
    expect(md).toContain('### Noise ignored (4 places in 3 scenarios)');
    expect(md).toContain('| <code>ledger-cli › report-monthly-json</code> | <code>files out/report.json</code> | <code>$.generatedAt</code> | <code>2025-11-20T16&#58;02&#58;11Z</code> <code>2025-11-20T16&#58;02&#58;13Z</code> |');
    expect(md).toContain('| <code>ledger-cli › export-csv</code> | <code>files out/ledger.csv</code> | <code>row 2, column batch</code> | <code>b-81f3</code> <code>b-9c02</code> |');
    expect(md).toContain('### Legacy non-deterministic (1)');
    expect(md).toContain('- <code>ledger-cli › balance-multi-currency</code>: stdout\\: the legacy printed 3 lines');
    expect(md).toContain('- **ledger-cli** (2; policy `warn`: kept; listed as a warning): <code>balance-legacy-format</code> <code>export-xml</code>');
    // `:` inside <code> is written &#58; so GFM cannot turn a value into an autolink
    expect(toHtml(md)).toContain('<code>2025-11-20T16&#58;02&#58;11Z</code>');
  });

  it('keeps the closing sections whole within the budget, and caps their lists', () => {
    const report = sampleReport();
    const suite = report.suites[0]!;
    suite.scenarios[0]!.noise = Array.from({ length: 300 }, (_, i) => ({ channel: 'stdout' as const, where: { kind: 'json' as const, path: `$.id${i}` }, values: ['a', 'b', 'c', 'd'] }));
    suite.deviations![2]!.covered = Array.from({ length: 25 }, (_, i) => `case-${i}`);
    const md = renderMarkdown(report, { maxBytes: 65_000, maxDiffs: 2 });
    expect(md).toContain('_103 more rules in report.json._');
    expect(md).toContain('<code>a</code> <code>b</code> <code>c</code> … 1 more');
    expect(md).toContain('25 scenarios: <code>case-0</code>');
    expect(md).toContain('<code>case-9</code> … 15 more');
    expect(md).toContain('_6 more scenarios omitted to keep this summary short');
    expect(md.trimEnd().endsWith('<code>export-xml</code>')).toBe(true);
  });

  it('puts an HTTP exchange\'s request and both status lines before its diff', () => {
    const md = renderMarkdown(serviceReport());
    expect(md).toContain(
      [
        '**http \\#1 POST /orders** — status 201 → 400; 4 body paths differ \\(3 removed, 1 added\\)',
        '',
        '<code>POST /orders</code> → legacy <code>201 Created</code>, candidate <code>400 Bad Request</code>',
        '',
        '```diff',
        '~ $.status: 201 → 400',
      ].join('\n'),
    );
    expect(md).toContain('<code>POST /orders/17/pay</code> → legacy <code>202 Accepted</code>, candidate _not sent_\n\n```diff\n');
    // accepted differences too, and only http results: no exchange line elsewhere
    expect(md).toContain('_accepted by delete-no-content_\n\n<code>DELETE /orders/903</code> → legacy <code>200 OK</code>, candidate <code>204 No Content</code>\n\n```diff');
    expect(md.match(/ → legacy /g)).toHaveLength(4);
    expect(renderMarkdown(sampleReport())).not.toContain(' → legacy ');
    const html = toHtml(md);
    expect(html).toContain('<p><code>POST /orders</code> → legacy <code>201 Created</code>, candidate <code>400 Bad Request</code></p>');
  });

  it('shows a passing run without a needs-attention section', () => {
    const report = sampleReport();
    report.suites = [report.suites[1]!];
    const md = renderMarkdown(reportOf(report.suites));
    expect(md.startsWith('## ✅ Parity 100% — 2 of 2 scenarios match the legacy')).toBe(true);
    expect(md).not.toContain('Needs attention');
    expect(md).not.toContain('Accepted'); // columns for verdicts nobody produced are left out
  });

  it('keeps diffs inside their fence whatever backticks they contain', () => {
    expect(fenced('a ``` b\n````', 'diff', 10)).toEqual(['`````diff', 'a ``` b', '````', '`````']);
    expect(fenced('plain', 'text', 10)).toEqual(['```text', 'plain', '```']);
    expect(fenced('1\n2\n3\n4', 'diff', 2)).toEqual(['```diff', '1', '2', '… 2 more lines (see index.html)', '```']);

    const html = toHtml(renderMarkdown(hostileReport()));
    // the injected "# heading" stays code: it never becomes a heading
    expect(html).not.toMatch(/<h1[^>]*>heading injected/);
    expect(html).toContain('# heading injected');
  });

  it('escapes text from the systems under test everywhere', () => {
    const md = renderMarkdown(hostileReport());
    const html = toHtml(md);
    for (const tag of ['<script', '<img', '<svg']) expect(html).not.toContain(tag);
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/href="javascript:/i);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(md).toContain('␛[2J␛[31mfake␍␇');
    expect(escapeInline('a|b *c* [d](e) <f> `g` $h$ \\i')).toBe('a\\|b \\*c\\* \\[d\\]\\(e\\) \\<f\\> \\`g\\` \\$h\\$ \\\\i');
    // table rows keep their column count: a | in a suite name is escaped
    const row = md.split('\n').find((line) => line.startsWith('| ledger '))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(md.split('\n').find((l) => l.startsWith('| Suite | Parity'))!.split('|').length);
  });

  it('caps the number of diffs and the size, and says how many were omitted', () => {
    const many = renderMarkdown(manyScenariosReport(5000));
    expect(many.match(/<details>/g)).toHaveLength(50);
    expect(many).toContain('_50 more scenarios omitted to keep this summary short');

    const report = reportOf([suiteOf('big', Array.from({ length: 40 }, (_, i) => bigDiffScenario(`s${i}`, 150)), identity)]);
    const md = renderMarkdown(report, { maxBytes: 65_000 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(65_000);
    const shown = md.match(/<details>/g)!.length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`_${40 - shown} more scenarios omitted`);
    expect(md.match(/<\/details>/g)).toHaveLength(shown); // no block is cut in half

    const clipped = renderMarkdown(reportOf([suiteOf('big', [bigDiffScenario('one', 500)], identity)]));
    expect(clipped).toContain('… 300 more lines (see index.html)');
    expect(renderMarkdown(report, { maxDiffs: 3 }).match(/<details>/g)).toHaveLength(3);
  });
});
