import { describe, expect, it } from 'vitest';
import type { Difference } from '../harness/model.ts';
import { hostileReport, manyScenariosReport, reportOf, sampleReport, serviceReport, suiteOf } from './fixtures.ts';
import type { ScenarioReport } from './model.ts';
import { displayWidth, inert, renderTerminal } from './terminal.ts';

const identity = {
  legacy: null,
  candidate: { command: ['node', 'x.js'], version: null, gitCommit: null },
  revision: null,
  recordedAt: null,
};

function longDiff(lines: number): Difference {
  const body = Array.from({ length: lines }, (_, i) => `${i % 2 === 0 ? '-' : '+'}line ${i} ${'x'.repeat(i % 150)}`);
  return { kind: 'text', summary: `${lines} lines changed`, unified: ['--- legacy stdout', '+++ candidate stdout', ...body].join('\n'), hunks: [], truncated: false };
}

function diffScenario(id: string, difference: Difference = longDiff(3)): ScenarioReport {
  return { id, tags: [], verdict: 'diff', durationMs: 5, channels: [{ channel: 'stdout', verdict: 'diff', difference }] };
}

describe('renderTerminal', () => {
  it('summarises suites, lists what is not passing, shows diffs and totals', () => {
    const text = renderTerminal(sampleReport(), { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('paritykit 0.1.0 verify · 2025-11-21 10:30:00 UTC · 12.3 s · CI');
    expect(text).toMatch(/^ {2}ledger-cli {10}30\.0% {2}2 pass, 1 accepted, 3 diff, 1 flaky, 1 error,$/m);
    expect(text).toMatch(/^ {2}ledger-migrations {4}100% {2}2 pass$/m);
    expect(text).toContain('Not passing (6)');
    expect(text).toContain("Flaky (1): the candidate's re-runs disagreed\n  ledger-cli › import-large  flaky\n      varies between 3 candidate runs at stdout line 4, stdout line 9\n");
    expect(text).not.toContain('── ledger-cli › import-large'); // a flaky diff is not a stable fact: not printed
    expect(text).toMatch(/^ {2}ledger-cli › help-version {9}new {6}not in the baseline yet$/m);
    expect(text).toMatch(/^ {2}ledger-cli › balance-negative {5}diff\n {6}stdout: 1 line changed\n {6}exit: exit code 1 → 0$/m);
    // accepted is parity: not listed unless verbose
    expect(text).not.toContain('export-pdf');
    expect(text).toContain('── ledger-cli › balance-negative · stdout ──');
    expect(text).toContain('\n-savings        -35.50\n+savings        (35.50)\n');
    expect(text).toContain('── ledger-cli › export-csv · files out/ledger.csv ──');
    expect(text).toMatch(/Parity 41\.7% of 12 scenarios: 4 pass, 1 accepted, 3 diff, 1 flaky,/);
    expect(text.endsWith('in 12.3 s\n')).toBe(true);
    expect(text).not.toContain('\u001b');
  });

  it('colours only when asked', () => {
    const text = renderTerminal(sampleReport(), { color: true });
    expect(text).toContain('\u001b[31m-savings        -35.50\u001b[39m');
    expect(text).toContain('\u001b[32m+savings        (35.50)\u001b[39m');
    // same content once the colours are removed
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderTerminal(sampleReport(), { color: false }));
  });

  it('keeps every line within the width when colour is off', () => {
    const longId = `reports-${'very-long-segment-'.repeat(8)}end`;
    const cjk = `報告-${'月次レポート'.repeat(10)}`;
    const report = reportOf([
      suiteOf(`suite-with-a-really-long-name-${'x'.repeat(60)}`, [diffScenario(longId, longDiff(60)), diffScenario(cjk), diffScenario('short')], identity),
      ...sampleReport().suites,
      ...hostileReport().suites,
    ]);
    for (const width of [40, 60, 80, 132]) {
      for (const verbose of [false, true]) {
        const text = renderTerminal(report, { color: false, width, verbose });
        for (const line of text.split('\n')) expect(displayWidth(line), `width ${width}: ${line}`).toBeLessThanOrEqual(width);
      }
    }
    const text = renderTerminal(report, { color: false, width: 80 });
    // the suite is shortened first, then the id in the middle: both ends of the id stay
    expect(text).toMatch(/^ {2}suite-w…x+ › reports-very-[a-z-]*…[a-z-]*-end {2}diff/m);
    expect(text).toMatch(/^ {2}suite-w…x+ › short {2}/m);
  });

  it('clips each diff to maxDiffLines and shows the first maxDiffs scenarios', () => {
    const scenarios = Array.from({ length: 8 }, (_, i) => diffScenario(`case-${i}`, longDiff(100)));
    const report = reportOf([suiteOf('s', scenarios, identity)]);
    const text = renderTerminal(report, { color: false });
    expect(text).toContain('Differences (first 5 of 8; all are in the HTML report)');
    expect(text.match(/… 62 more diff lines/g)).toHaveLength(5); // 102 lines, 40 shown
    expect(text).toContain('› case-4 ·');
    expect(text).not.toContain('› case-5 ·');
    const verbose = renderTerminal(report, { color: false, verbose: true, maxDiffLines: 10 });
    expect(verbose).toContain('› case-7 ·');
    expect(verbose.match(/… 92 more diff lines/g)).toHaveLength(8);
  });

  it('lists accepted scenarios and their diffs when verbose', () => {
    const text = renderTerminal(sampleReport(), { color: false, verbose: true });
    expect(text).toContain('Not passing (6), accepted (1)');
    expect(text).toMatch(/ledger-cli › export-pdf +accepted\n {6}files out\/statement\.pdf: binary content differs \(18,204 → 18,311 bytes\)\n {6}\(accepted by pdf-renderer\)\n/);
    expect(text).toMatch(/── ledger-cli › export-pdf · files out\/statement\.pdf ─+\naccepted by pdf-renderer\nlegacy: /);
  });

  it('shows an HTTP exchange as one line before its diff', () => {
    const text = renderTerminal(serviceReport(), { color: false, verbose: true });
    expect(text).toMatch(/── orders-api › create-order · http #1 POST \/orders ─+\nPOST \/orders → legacy 201, candidate 400\n~ \$\.status: 201 → 400\n/);
    expect(text).toContain('\nPOST /orders/17/pay → legacy 202, candidate not sent\n~ request #2: 202 Accepted → (not sent)\n');
    expect(text).toContain('\naccepted by delete-no-content\nDELETE /orders/903 → legacy 200, candidate 204\n~ status: 200 → 204\n');
    expect(text.match(/ → legacy /g)).toHaveLength(4);
    expect(renderTerminal(serviceReport(), { color: true })).toContain('\u001b[1mPOST /orders → legacy 201, candidate 400\u001b[22m');
    // a long URL is clipped to the width; control characters in it are made visible
    const report = serviceReport();
    report.suites[0]!.scenarios[1]!.channels[0]!.exchange!.request.url = `/orders?q=\u001b[2J${'x'.repeat(200)}`;
    const line = renderTerminal(report, { color: false, width: 60 }).split('\n').find((l) => l.startsWith('POST /orders?q='))!;
    expect(line).toBe(`POST /orders?q=␛[2J${'x'.repeat(40)}…`);
    expect(displayWidth(line)).toBe(60);
  });

  it('lists the deviations, expired and obsolete first, with what their status means', () => {
    const text = renderTerminal(sampleReport(), { color: false });
    expect(text).toContain(
      [
        'Known deviations: 1 active, 1 obsolete, 1 expired',
        '  ✗ expired  help-wording · stdout /^Usage:/ · expired 2025-10-31: fails the run',
        '             Help text reworded for the new command-line parser.',
        '  ! obsolete csv-quoting · files out/*.csv memo · matched nothing: remove it',
        '             The legacy quoted every CSV field; the rewrite quotes only where',
        '             needed.',
        '  ✓ active   pdf-renderer · files out/*.pdf · 1 scenario',
        '             Statements are rendered with pdfkit instead of ReportLab: same',
        '             content, different bytes. Checked by hand on 20 statements.',
      ].join('\n'),
    );
    const coloured = renderTerminal(sampleReport(), { color: true });
    expect(coloured).toContain('\u001b[31m✗ expired \u001b[39m');
    expect(coloured).toContain('\u001b[36m1 accepted\u001b[39m'); // accepted is teal (cyan), not pass green
  });

  it('counts the noise ignored, lists it when verbose, and shows non-deterministic and unreferenced', () => {
    const text = renderTerminal(sampleReport(), { color: false });
    expect(text).toContain('Noise ignored: 4 places in 3 scenarios (listed in the HTML report)\n');
    expect(text).not.toContain('$.generatedAt');
    expect(text).toContain('Legacy non-deterministic (1): not learned as noise; add a normalizer\n  ledger-cli › balance-multi-currency\n      stdout: the legacy printed 3 lines');
    expect(text).toContain('Unreferenced baselines in ledger-cli (2, policy warn): kept; listed as a warning\n  balance-legacy-format, export-xml\n');
    const verbose = renderTerminal(sampleReport(), { color: false, verbose: true });
    expect(verbose).toContain('Noise ignored: 4 places in 3 scenarios\n  ledger-cli › balance-simple · stdout line 1 ~ /^Report generated at');
    expect(verbose).toContain('  ledger-cli › report-monthly-json · files out/report.json $.generatedAt\n');
    expect(verbose).toContain('  ledger-cli › export-csv · files out/ledger.csv row 2, column batch\n');
  });

  it('makes content from the systems under test inert', () => {
    const text = renderTerminal(hostileReport(), { color: true, verbose: true });
    // only our own SGR colour sequences remain; no clear-screen, bell, or carriage return
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('␛[2J␛[31mfake␍␇');
    expect(inert('a\tb\u009bc\u202ed')).toBe('a   b\ufffdc\ufffdd');
  });

  it('handles an empty run and a large one', () => {
    const empty = renderTerminal(reportOf([]), { color: false });
    expect(empty).toContain('No suites ran.');
    expect(empty).toContain('Parity 100% of 0 scenarios: 0 scenarios, in 12.3 s');
    const big = renderTerminal(manyScenariosReport(5000), { color: false });
    expect(big).toContain('Not passing (100)');
    expect(big).toContain('Differences (first 5 of 100; all are in the HTML report)');
  });
});
