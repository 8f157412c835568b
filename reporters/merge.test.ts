import { describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { inShard } from '../harness/shard.ts';
import { sampleReport } from './fixtures.ts';
import { mergeReports, type PartialReport } from './merge.ts';
import type { ParityReport } from './model.ts';
import { channelTotalsOf, emptyTotals, mergeTotals, parityOf, totalsOf } from './totals.ts';

/** Splits a whole report into `count` partial reports the way `verify --shard i/n` would. */
function split(whole: ParityReport, count: number): PartialReport[] {
  return Array.from({ length: count }, (_, k) => {
    const index = k + 1;
    const suites = whole.suites.map((s) => {
      const scenarios = s.scenarios.filter((x) => inShard({ index, count }, s.name, x.id));
      const covered = new Set(scenarios.map((x) => x.id));
      const totals = totalsOf(scenarios);
      return {
        ...s,
        scenarios,
        totals,
        parity: parityOf(totals),
        channels: channelTotalsOf(scenarios),
        ...(s.deviations
          ? { deviations: s.deviations.map((d) => ({ ...d, covered: d.covered.filter((id) => covered.has(id)), status: d.status === 'expired' ? d.status : d.covered.some((id) => covered.has(id)) ? ('active' as const) : ('obsolete' as const) })) }
          : {}),
      };
    });
    const totals = suites.reduce((t, s) => mergeTotals(t, s.totals), emptyTotals());
    const report: ParityReport = {
      ...whole,
      run: { ...whole.run, startedAt: new Date(Date.parse(whole.run.startedAt) + k * 1000).toISOString(), durationMs: 5000 },
      totals,
      parity: parityOf(totals),
      suites,
      shard: { index, count, of: whole.totals.scenarios, selection: 'abc123' },
    };
    return { report, source: `shard-${index}` };
  });
}

function errorOf(fn: () => unknown): ParityError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ParityError);
    return error as ParityError;
  }
  throw new Error('expected a ParityError');
}

describe('mergeReports', () => {
  const whole = sampleReport();

  it('gives the totals, parity, channel roll-ups and verdicts of the unsharded report', () => {
    const { report, warnings } = mergeReports(split(whole, 3).reverse());
    expect(warnings).toEqual([]);
    expect(report.totals).toEqual(whole.totals);
    expect(report.parity).toBe(whole.parity);
    expect(report.shard).toBeUndefined();
    for (const suite of whole.suites) {
      const merged = report.suites.find((s) => s.name === suite.name)!;
      expect(merged.totals).toEqual(suite.totals);
      expect(merged.channels).toEqual(suite.channels);
      const verdicts = (s: typeof suite) => Object.fromEntries(s.scenarios.map((x) => [x.id, x.verdict]));
      expect(verdicts(merged)).toEqual(verdicts(suite));
    }
    expect(report.suites.map((s) => s.name)).toEqual(whole.suites.map((s) => s.name));
  });

  it('merges deviations: covered is the union, status as an unsharded run would give it', () => {
    const { report } = mergeReports(split(whole, 4));
    const byId = (r: ParityReport) => Object.fromEntries(r.suites.flatMap((s) => (s.deviations ?? []).map((d) => [d.id, { status: d.status, covered: [...d.covered].sort() }])));
    expect(byId(report)).toEqual(byId(whole));
  });

  it('spans the run from the first shard start to the last shard end', () => {
    const { report } = mergeReports(split(whole, 3));
    expect(report.run.startedAt).toBe(whole.run.startedAt);
    expect(report.run.durationMs).toBe(7000);
  });

  it('warns about missing shards and merges the rest', () => {
    const parts = split(whole, 3);
    const { report, warnings } = mergeReports([parts[0]!, parts[2]!]);
    expect(warnings).toEqual(['shard 2/3 missing: the merged report covers only 2 of 3 shards, so its totals are incomplete']);
    expect(report.totals.scenarios).toBe(parts[0]!.report.totals.scenarios + parts[2]!.report.totals.scenarios);
  });

  it('refuses duplicate shards, different shard counts, selections or commits, and unsharded reports', () => {
    const three = split(whole, 3);
    expect(errorOf(() => mergeReports([three[0]!, three[1]!, { ...three[1]!, source: 'again' }])).message).toBe('again and shard-2 are both shard 2/3; pass each shard\'s report once');
    expect(errorOf(() => mergeReports([three[0]!, split(whole, 2)[1]!])).message).toMatch(/shard-2: shard 2\/2 cannot be merged with shard-1 \(shard 1\/3\): different shard counts/);
    const other = { ...three[1]!, report: { ...three[1]!.report, shard: { ...three[1]!.report.shard!, selection: 'fff' } } };
    expect(errorOf(() => mergeReports([three[0]!, other])).message).toMatch(/ran a different selection.*run every shard from the same commit/);
    const commit = { ...three[1]!, report: { ...three[1]!.report, run: { ...three[1]!.report.run, gitCommit: 'deadbeef' } } };
    expect(errorOf(() => mergeReports([three[0]!, commit])).message).toMatch(/ran at commit deadbeef/);
    expect(errorOf(() => mergeReports([three[0]!, { report: whole, source: 'full' }])).message).toMatch(/full: not a partial report/);
    expect(errorOf(() => mergeReports([])).code).toBe('USAGE');
  });
});
