import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import type { Difference } from '../harness/model.ts';
import { hostileReport, manyScenariosReport, reportOf, sampleReport, suiteOf } from './fixtures.ts';
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
    expect(md).toContain('### Needs attention (7)');
    expect(md.match(/<details>/g)).toHaveLength(7);
    expect(md).toContain('**stdout** — 1 line changed\n\n```diff\n--- legacy stdout\n');
    expect(md).not.toContain('export-pdf'); // accepted is parity

    const html = toHtml(md);
    expect(html).toContain('<table>');
    expect(html).toContain('<code class="language-diff">--- legacy stdout\n+++ candidate stdout\n@@ -1,4 +1,4 @@\n');
    expect(html).toContain('<summary><code>ledger-cli › balance-negative</code> — <b>diff</b>: stdout: 1 line changed; exit: exit code 1 → 0</summary>');
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
    expect(many).toContain('_50 more scenarios needing attention omitted');

    const report = reportOf([suiteOf('big', Array.from({ length: 40 }, (_, i) => bigDiffScenario(`s${i}`, 150)), identity)]);
    const md = renderMarkdown(report, { maxBytes: 65_000 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(65_000);
    const shown = md.match(/<details>/g)!.length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`_${40 - shown} more scenarios needing attention omitted`);
    expect(md.match(/<\/details>/g)).toHaveLength(shown); // no block is cut in half

    const clipped = renderMarkdown(reportOf([suiteOf('big', [bigDiffScenario('one', 500)], identity)]));
    expect(clipped).toContain('… 300 more lines (see index.html)');
    expect(renderMarkdown(report, { maxDiffs: 3 }).match(/<details>/g)).toHaveLength(3);
  });
});
