import { describe, expect, it } from 'vitest';
import type { PropertyReport } from '../harness/property.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { reportOf, sampleReport } from './fixtures.ts';
import { propertyFacts, renderPropertyHtml, renderPropertyMarkdown, renderPropertyTerminal } from './property-section.ts';
import type { ParityReport } from './model.ts';

const property: PropertyReport = {
  runs: 17,
  shrinks: 6,
  durationMs: 4200,
  seed: 42,
  path: '16:0:1',
  interrupted: false,
  legacyRunnable: true,
  savedScenarios: 0,
  note: 'counterexample found after 17 generated scenario(s), shrunk in 6 step(s), saved as scenario property-ledger-0123456789ab',
  noisePaths: ['$..createdAt'],
  replay: 'paritykit verify --property --suite ledger --seed 42 --path 16:0:1',
  counterexamples: [
    {
      id: 'property-ledger-0123456789ab',
      input: { id: 'property-ledger-0123456789ab', args: ['tx.csv'], files: { 'tx.csv': 'account,amount\nbank,-12.50\n<script>alert(1)</script>,1\n' }, tags: ['property'] },
      channels: [
        { channel: 'exit', verdict: 'pass' },
        {
          channel: 'stderr',
          verdict: 'diff',
          format: 'text',
          difference: { kind: 'text', summary: '1 line added; legacy is empty', unified: '@@ -0,0 +1 @@\n+row 1: negative <amount>', hunks: [], truncated: false },
        },
      ],
      legacy: { exit: 0, stdout: 'bank: -12.50\n', stderr: '', files: [] },
      candidate: { exit: 0, stdout: 'bank: 0.00\n', stderr: 'row 1: negative <amount>\n', files: [] },
      saved: true,
    },
  ],
};

function withProperty(p: PropertyReport): ParityReport {
  const report = sampleReport();
  return reportOf(report.suites.map((s, i) => (i === 0 ? { ...s, property: p } : s)));
}

describe('property section', () => {
  it('facts: runs, time, seed, path, shrinks', () => {
    expect(propertyFacts(property)).toBe('17 runs · 4.2 s · seed 42 · path 16:0:1 · 6 shrinks');
    expect(propertyFacts({ ...property, runs: 1, path: null, shrinks: 0, interrupted: true })).toMatch(/^1 run · .* · seed 42 · time budget reached$/);
  });

  it('HTML shows the shrunk input, the difference, both outputs and the saved state, escaped', () => {
    const report = withProperty(property);
    const html = renderPropertyHtml(report.suites[0]).join('\n');
    expect(html).toContain('Property checks');
    expect(html).toContain('bank,-12.50');
    expect(html).toContain('+row 1: negative &lt;amount&gt;');
    expect(html).toContain('bank: 0.00');
    expect(html).toContain('saved as baseline scenario property-ledger-0123456789ab');
    expect(html).toContain('--seed 42 --path 16:0:1');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // and the page renders it, once, for the suite that has it
    const page = renderHtml(report);
    expect(page.split('class="property"').length - 1).toBe(1);
    expect(renderPropertyHtml({ ...report.suites[0], property: undefined })).toEqual([]);
  });

  it('Markdown lists each suite\'s property run with its replay command and counterexample', () => {
    const report = withProperty({ ...property, counterexamples: [{ ...property.counterexamples[0], saved: false, notSaved: '--ci never writes baselines' }] });
    const md = renderPropertyMarkdown(report).join('\n');
    expect(md).toMatch(/^### Property checks/);
    expect(md).toContain('paritykit verify --property --suite ledger --seed 42 --path 16:0:1');
    expect(md).toContain('not saved \\(--ci never writes baselines\\)');
    expect(md).toContain('bank,-12.50');
    expect(renderMarkdown(report)).toContain('### Property checks');
    expect(renderPropertyMarkdown(sampleReport())).toEqual([]);
  });

  it('terminal prints the facts, the counterexample and the replay command', () => {
    const text = renderPropertyTerminal(withProperty(property));
    expect(text).toContain('property ');
    expect(text).toContain('seed 42 · path 16:0:1');
    expect(text).toContain('counterexample property-ledger-0123456789ab');
    expect(text).toContain('stderr: 1 line added; legacy is empty');
    expect(text).toContain('replay: paritykit verify --property --suite ledger --seed 42 --path 16:0:1');
    expect(renderPropertyTerminal(sampleReport())).toBe('');
  });

  it('says when the legacy could not run', () => {
    const p: PropertyReport = { ...property, runs: 0, path: null, shrinks: 0, legacyRunnable: false, savedScenarios: 2, counterexamples: [], note: 'legacy not runnable (python3 is not on PATH): only the 2 saved counterexample(s) were replayed' };
    expect(renderPropertyTerminal(withProperty(p))).toContain('legacy not runnable (python3 is not on PATH)');
    expect(renderPropertyHtml(withProperty(p).suites[0]).join('\n')).toContain('only the 2 saved counterexample(s) were replayed');
  });
});
