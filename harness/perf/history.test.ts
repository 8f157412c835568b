import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendPerfHistory, attachTrend, historyEntryOf, perfHistoryPath, readPerfHistory, TREND_LENGTH } from './history.ts';
import { fingerprintDifferences, machineFingerprint } from './machine.ts';
import type { PerfSuiteReport } from './model.ts';
import { resolvePerfOptions } from './options.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function report(ratio: number): PerfSuiteReport {
  const estimate = { ratio, lower: ratio - 0.01, upper: ratio + 0.01, confidence: 0.9, n: 6, paired: true };
  return {
    verdict: 'pass',
    options: resolvePerfOptions({}),
    machine: machineFingerprint(),
    warnings: [],
    durationMs: 1,
    scenarios: [{ id: 'x', kind: 'command', verdict: 'pass', legacySource: 'live', primary: 'wallMs', rounds: 6, metrics: [{ metric: 'wallMs', unit: 'ms', direction: 'lower', legacyMean: 1, candidateMean: ratio, estimate, verdict: 'pass', budget: 1.05 }] }],
  };
}

describe('perf history', () => {
  it('appends, skips a cut-off line, and builds the trend of one suite, this run last', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pk-perf-h-'));
    dirs.push(dir);
    expect(await readPerfHistory(dir)).toEqual([]);
    for (let i = 0; i < TREND_LENGTH + 2; i++) await appendPerfHistory(dir, historyEntryOf('s', `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`, report(1 + i / 100)));
    await appendPerfHistory(dir, historyEntryOf('other-suite', '2026-02-01T00:00:00Z', report(9)));
    await mkdir(path.dirname(perfHistoryPath(dir)), { recursive: true });
    await writeFile(perfHistoryPath(dir), '{"at":"2026-02-02T00:00', { flag: 'a' });
    const history = await readPerfHistory(dir);
    expect(history).toHaveLength(TREND_LENGTH + 3);
    const now = report(1.5);
    attachTrend(now, 's', '2026-03-01T00:00:00Z', history);
    const trend = now.scenarios[0].trend!;
    expect(trend).toHaveLength(TREND_LENGTH);
    expect(trend.at(-1)).toMatchObject({ at: '2026-03-01T00:00:00Z', ratio: 1.5 });
    expect(trend.some((t) => t.ratio === 9)).toBe(false);
  });

  it('names what differs between machine fingerprints', () => {
    const a = machineFingerprint();
    expect(fingerprintDifferences(a, a)).toEqual([]);
    const b = { ...a, cores: a.cores + 2, node: 'v99.0.0', memoryBytes: a.memoryBytes * 1.01 };
    expect(fingerprintDifferences(a, b)).toEqual([`cores ${a.cores} → ${a.cores + 2}`, `Node ${a.node} → v99.0.0`]);
  });
});
