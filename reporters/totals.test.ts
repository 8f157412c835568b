import { describe, expect, it } from 'vitest';
import type { ScenarioReport } from './model.ts';
import { sampleReport } from './fixtures.ts';
import { channelTotalsOf, emptyTotals, isParityVerdict, mergeChannelTotals, mergeTotals, parityOf, totalsOf } from './totals.ts';

const s = (verdict: ScenarioReport['verdict'], channels: ScenarioReport['channels'] = []): ScenarioReport => ({
  id: verdict,
  tags: [],
  verdict,
  durationMs: 1,
  channels,
});

describe('totalsOf / parityOf', () => {
  it('counts every verdict and sums to scenarios', () => {
    const t = totalsOf(['pass', 'pass', 'diff', 'accepted', 'flaky', 'error', 'missing', 'new'].map((v) => s(v as ScenarioReport['verdict'])));
    expect(t).toEqual({ scenarios: 8, pass: 2, diff: 1, accepted: 1, flaky: 1, error: 1, missing: 1, new: 1 });
    expect(parityOf(t)).toBe(3 / 8);
  });

  it('is 1 with no scenarios and fresh each time', () => {
    expect(parityOf(emptyTotals())).toBe(1);
    const a = emptyTotals();
    a.pass = 3;
    expect(emptyTotals().pass).toBe(0);
  });

  it('counts only pass and accepted as parity', () => {
    expect(['pass', 'accepted'].every((v) => isParityVerdict(v as ScenarioReport['verdict']))).toBe(true);
    expect(['diff', 'flaky', 'error', 'missing', 'new'].some((v) => isParityVerdict(v as ScenarioReport['verdict']))).toBe(false);
    expect(parityOf(totalsOf([s('new'), s('pass')]))).toBe(0.5);
  });

  it('merges field by field', () => {
    const a = totalsOf([s('pass'), s('diff')]);
    const b = totalsOf([s('pass'), s('error'), s('new')]);
    expect(mergeTotals(a, b)).toEqual({ scenarios: 5, pass: 2, diff: 1, accepted: 0, flaky: 0, error: 1, missing: 0, new: 1 });
  });
});

describe('channelTotalsOf', () => {
  it('counts one per channel result (one per file) in channel order', () => {
    const t = channelTotalsOf([
      s('diff', [
        { channel: 'files', path: 'a', verdict: 'diff' },
        { channel: 'files', path: 'b', verdict: 'pass' },
        { channel: 'stdout', verdict: 'pass' },
        { channel: 'exit', verdict: 'diff' },
      ]),
      s('pass', [{ channel: 'stdout', verdict: 'pass' }, { channel: 'exit', verdict: 'pass' }]),
    ]);
    expect(Object.keys(t)).toEqual(['stdout', 'exit', 'files']);
    expect(t.files).toEqual({ compared: 2, pass: 1, diff: 1, parity: 0.5 });
    expect(t.exit).toEqual({ compared: 2, pass: 1, diff: 1, parity: 0.5 });
    expect(t.stdout).toEqual({ compared: 2, pass: 2, diff: 0, parity: 1 });
    expect(t.stderr).toBeUndefined();
  });

  it('counts the differences of an accepted scenario as pass', () => {
    const t = channelTotalsOf([s('accepted', [{ channel: 'stdout', verdict: 'diff' }])]);
    expect(t.stdout).toEqual({ compared: 1, pass: 1, diff: 0, parity: 1 });
  });

  it('merges suites and recomputes parity', () => {
    const [ledger, migrations] = sampleReport().suites;
    const all = mergeChannelTotals(ledger!.channels, migrations!.channels);
    expect(all.stdout).toEqual({ compared: 9, pass: 7, diff: 2, parity: 7 / 9 });
    expect(all.files).toEqual({ compared: 5, pass: 3, diff: 2, parity: 3 / 5 });
    expect(mergeChannelTotals({}, {})).toEqual({});
  });
});

describe('sampleReport', () => {
  it('holds every verdict and every difference kind, with consistent totals', () => {
    const report = sampleReport();
    const scenarios = report.suites.flatMap((x) => x.scenarios);
    expect(new Set(scenarios.map((x) => x.verdict))).toEqual(new Set(['pass', 'diff', 'accepted', 'flaky', 'error', 'missing', 'new']));
    const kinds = scenarios.flatMap((x) => x.channels).flatMap((c) => (c.difference ? [c.difference.kind] : []));
    expect(new Set(kinds)).toEqual(new Set(['text', 'json', 'csv', 'binary', 'value']));
    expect(report.totals).toEqual(totalsOf(scenarios));
    expect(report.parity).toBe(5 / 12);
  });

  it('counts an accepted channel as pass even when another channel of the scenario differs', () => {
    const totals = channelTotalsOf([
      s('diff', [
        { channel: 'stdout', verdict: 'accepted', deviations: ['d'] },
        { channel: 'exit', verdict: 'diff' },
      ]),
    ]);
    expect(totals.stdout).toEqual({ compared: 1, pass: 1, diff: 0, parity: 1 });
    expect(totals.exit).toEqual({ compared: 1, pass: 0, diff: 1, parity: 0 });
  });
});
