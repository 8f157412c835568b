import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { manyScenariosReport, sampleReport } from './fixtures.ts';
import {
  HISTORY_FORMAT,
  historyEntryOf,
  historyFileName,
  historyPointOf,
  parseHistoryEntry,
  perfRatiosOf,
  readHistory,
  scenarioDigest,
  writeHistoryEntry,
} from './history.ts';
import type { ScenarioReport, SuiteReport } from './model.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const diffScenario = (unified: string, summary = '1 line changed'): ScenarioReport => ({
  id: 'x',
  tags: [],
  verdict: 'diff',
  durationMs: 5,
  channels: [
    { channel: 'stdout', verdict: 'diff', difference: { kind: 'value', summary, unified, legacy: 1, candidate: 2 } },
    { channel: 'exit', verdict: 'pass' },
  ],
});

describe('scenarioDigest', () => {
  it('is `pass` for a passing scenario and verdict:12 hex digits otherwise', () => {
    expect(scenarioDigest({ verdict: 'pass', channels: [] })).toBe('pass');
    expect(scenarioDigest(diffScenario('~ a'))).toMatch(/^diff:[0-9a-f]{12}$/);
  });

  it('changes with the difference, not with its human summary, timings or error text', () => {
    const a = scenarioDigest(diffScenario('~ a'));
    expect(scenarioDigest({ ...diffScenario('~ a', 'other wording'), durationMs: 999 } as Parameters<typeof scenarioDigest>[0])).toBe(a);
    expect(scenarioDigest(diffScenario('~ b'))).not.toBe(a);
    const error = (text: string): Pick<ScenarioReport, 'verdict' | 'channels'> & { error: string } => ({ verdict: 'error', channels: [], error: text });
    expect(scenarioDigest(error('/tmp/abc: boom'))).toBe(scenarioDigest(error('/tmp/xyz: boom')));
  });

  it('does not depend on the key order of a difference', () => {
    const s = diffScenario('~ a');
    const reordered: ScenarioReport = {
      ...s,
      channels: [{ channel: 'stdout', verdict: 'diff', difference: { candidate: 2, legacy: 1, unified: '~ a', summary: 'x', kind: 'value' } }, s.channels[1]!],
    };
    expect(scenarioDigest(reordered)).toBe(scenarioDigest(s));
  });
});

describe('historyEntryOf', () => {
  it('keeps totals, parity, revisions, deviation statuses and a digest per scenario', () => {
    const report = sampleReport();
    const entry = historyEntryOf(report);
    expect(entry.format).toBe(HISTORY_FORMAT);
    expect(entry.parity).toBe(report.parity);
    expect(entry.totals).toEqual(report.totals);
    const suite = report.suites[0]!;
    const e = entry.suites[0]!;
    expect(e.name).toBe(suite.name);
    expect(e.revision).toBe(suite.baseline.revision);
    expect(Object.keys(e.verdicts)).toEqual(suite.scenarios.map((s) => s.id));
    expect(e.verdicts['balance-simple']).toBe('pass');
    expect(e.verdicts['balance-negative']).toMatch(/^diff:/);
    expect(e.deviations).toEqual(Object.fromEntries((suite.deviations ?? []).map((d) => [d.id, d.status])));
    expect(historyPointOf(entry)).toEqual({ startedAt: entry.startedAt, gitCommit: entry.gitCommit, parity: entry.parity, totals: entry.totals, suites: entry.suites.map((s) => ({ name: s.name, parity: s.parity })) });
  });

  it('stays compact for 10,000 scenarios (under 40 bytes per scenario)', () => {
    const text = JSON.stringify(historyEntryOf(manyScenariosReport(10_000)));
    expect(text.length).toBeLessThan(400_000);
  });

  it('reads the primary metric ratio of each benchmarked scenario from suite.perf, defensively', () => {
    const suite = sampleReport().suites[0]!;
    expect(perfRatiosOf(suite)).toBeUndefined();
    const estimate = (ratio: number) => ({ ratio, lower: ratio - 0.1, upper: ratio + 0.1, confidence: 0.9, n: 6, paired: true });
    const perf = {
      verdict: 'pass',
      scenarios: [
        { id: 'startup', primary: 'wallMs', metrics: [{ metric: 'peakRssBytes', estimate: estimate(2) }, { metric: 'wallMs', estimate: estimate(1.25) }] },
        { id: 'orders', primary: 'throughput', metrics: [{ metric: 'throughput', estimate: estimate(0.9) }] },
        { id: 'broken', primary: 'wallMs', verdict: 'error', metrics: [] },
        { id: 'counts', primary: 'errors', metrics: [{ metric: 'errors' }] },
      ],
    };
    expect(perfRatiosOf({ ...suite, perf } as unknown as SuiteReport)).toEqual({ startup: 1.25, orders: 0.9 });
    expect(perfRatiosOf({ ...suite, perf: { scenarios: 'nonsense' } } as unknown as SuiteReport)).toBeUndefined();
    expect(perfRatiosOf({ ...suite, perf: { scenarios: [null, { id: 3 }] } } as unknown as SuiteReport)).toBeUndefined();
  });
});

describe('history folder', () => {
  const at = (iso: string) => ({ ...historyEntryOf(sampleReport()), startedAt: iso });

  it('names entries by start time without colons, and reads them back oldest first', async () => {
    expect(historyFileName('2026-11-21T12:41:21.123Z')).toBe('2026-11-21T12-41-21.123Z.json');
    await writeHistoryEntry(dir, at('2026-01-02T00:00:00.000Z'));
    await writeHistoryEntry(dir, at('2026-01-01T00:00:00.000Z'));
    await writeHistoryEntry(dir, at('2026-01-03T00:00:00.000Z'));
    const all = await readHistory(dir);
    expect(all.map((e) => e.startedAt)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
    expect((await readHistory(dir, 2)).map((e) => e.startedAt)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
    expect(all[0]).toMatchObject(historyEntryOf({ ...sampleReport(), run: { ...sampleReport().run, startedAt: '2026-01-01T00:00:00.000Z' } }));
  });

  it('keeps two runs of the same millisecond, in order', async () => {
    const first = await writeHistoryEntry(dir, { ...at('2026-01-01T00:00:00.000Z'), parity: 0.1 });
    const second = await writeHistoryEntry(dir, { ...at('2026-01-01T00:00:00.000Z'), parity: 0.2 });
    expect(second).not.toBe(first);
    expect((await readHistory(dir)).map((e) => e.parity)).toEqual([0.1, 0.2]);
  });

  it('deletes the oldest entries beyond `keep`', async () => {
    for (let d = 1; d <= 5; d++) await writeHistoryEntry(dir, at(`2026-01-0${d}T00:00:00.000Z`), 3);
    expect(await readdir(dir)).toEqual(['2026-01-03T00-00-00.000Z.json', '2026-01-04T00-00-00.000Z.json', '2026-01-05T00-00-00.000Z.json']);
  });

  it('writes one line of compact JSON per entry', async () => {
    const file = await writeHistoryEntry(dir, at('2026-01-01T00:00:00.000Z'));
    const text = await readFile(file, 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(1);
  });

  it('reads a missing folder as empty, and refuses a broken entry naming the file and the fix', async () => {
    expect(await readHistory(path.join(dir, 'nope'))).toEqual([]);
    await writeFile(path.join(dir, '2026-01-01T00-00-00.000Z.json'), '{"format":"paritykit-history/1","startedAt":3}');
    await expect(readHistory(dir)).rejects.toThrow(ParityError);
    await expect(readHistory(dir)).rejects.toThrow(/2026-01-01T00-00-00\.000Z\.json: not a paritykit history entry \(startedAt.*delete the file/);
    expect(() => parseHistoryEntry('{', 'h.json')).toThrow(/h\.json: not valid JSON/);
  });
});
